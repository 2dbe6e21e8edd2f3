/** Wire types of the Bedrock Converse / ConverseStream request body (the parts the gateway produces). Type-only. */

export type ConverseImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

export interface ConverseTextBlock {
  text: string;
}
export interface ConverseImageBlock {
  image: { format: ConverseImageFormat; source: { bytes: string } };
}
/** A PDF or a text file the user attached (Converse also takes office formats, which chat parts never hold). */
export interface ConverseDocumentBlock {
  document: { format: 'pdf' | 'txt' | 'md' | 'csv' | 'html'; name: string; source: { bytes: string } };
}
export interface ConverseToolUseBlock {
  toolUse: { toolUseId: string; name: string; input: unknown };
}
export type ConverseToolResultContent = { json: unknown } | { text: string };
export interface ConverseToolResultBlock {
  toolResult: { toolUseId: string; content: ConverseToolResultContent[]; status?: 'success' | 'error' };
}
/** Signed reasoning replayed from an earlier turn (Claude on Bedrock checks the signature). */
export type ConverseReasoningBlock =
  | { reasoningContent: { reasoningText: { text: string; signature: string } } }
  | { reasoningContent: { redactedContent: string } };
export interface ConverseCachePointBlock {
  cachePoint: { type: 'default' };
}
export type ConverseContentBlock =
  | ConverseTextBlock
  | ConverseImageBlock
  | ConverseDocumentBlock
  | ConverseToolUseBlock
  | ConverseToolResultBlock
  | ConverseReasoningBlock
  | ConverseCachePointBlock;

export type ConverseRole = 'user' | 'assistant';

export interface ConverseMessage {
  role: ConverseRole;
  content: ConverseContentBlock[];
}

export interface ConverseInferenceConfig {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
}

export interface ConverseToolSpec {
  toolSpec: { name: string; description?: string; inputSchema: { json: unknown } };
}
export type ConverseToolChoice = { auto: object } | { any: object } | { tool: { name: string } };
export interface ConverseToolConfig {
  /** A cachePoint after a tool caches the tool definitions up to it. */
  tools: (ConverseToolSpec | ConverseCachePointBlock)[];
  toolChoice?: ConverseToolChoice;
}

/** Converse structured output: the JSON schema travels as a JSON string. */
export interface ConverseOutputConfig {
  textFormat: {
    type: 'json_schema';
    structure: { jsonSchema: { schema: string; name: string; description?: string } };
  };
}

export interface ConverseRequest {
  system?: (ConverseTextBlock | ConverseCachePointBlock)[];
  messages: ConverseMessage[];
  inferenceConfig?: ConverseInferenceConfig;
  toolConfig?: ConverseToolConfig;
  additionalModelRequestFields?: Record<string, unknown>;
  outputConfig?: ConverseOutputConfig;
}
