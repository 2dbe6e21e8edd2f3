/** Shared pieces of the standalone config schema: the provider list, name patterns and small builders. */

export const PROVIDERS = [
  'openai',
  'azure_openai',
  'anthropic',
  'gemini',
  'vertex-ai',
  'mistral',
  'ollama',
  'bedrock',
] as const;

export const NAME_PATTERN = '^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$';
export const NAME_MESSAGE =
  'must be 1-63 letters, digits, ".", "_" or "-", starting and ending with a letter or digit';
export const ENV_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
export const HEADER_PATTERN = "^:?[A-Za-z0-9!#$%&'*+.^_`|~-]+$";
export const FIELD_PATTERN = '^[A-Za-z_][A-Za-z0-9_-]*(\\.[A-Za-z_][A-Za-z0-9_-]*)*$';

export const str = (description: string, extra: Record<string, unknown> = {}) => ({
  type: 'string',
  description,
  ...extra,
});
export const ifProvider = (provider: string, then: Record<string, unknown>) => ({
  if: { type: 'object', properties: { provider: { const: provider } }, required: ['provider'] },
  then,
});
