/**
 * Our provider 400 rules (mock-provider/rules/) applied to every upstream request we produce for
 * an oracle case: "no request we send is one its provider would reject". Signatures are not
 * verified (the oracle's thinking signatures are placeholders, not a provider's).
 */
import { anthropicRequestProblems } from '../../mock-provider/rules/anthropic.js';
import { bedrockRequestProblems } from '../../mock-provider/rules/bedrock.js';
import { geminiRequestProblems } from '../../mock-provider/rules/gemini.js';
import { openaiRequestProblems } from '../../mock-provider/rules/openai.js';
import { responsesRequestProblems } from '../../mock-provider/rules/openai-responses.js';
import type { OurRequest } from './pairs.js';

/** The problems the provider behind `req` would report (empty: it takes the request). */
export function ruleViolations(req: OurRequest): string[] {
  const { target, body } = req;
  if (target.openaiApi === 'responses') return responsesRequestProblems(body);
  switch (target.provider) {
    case 'anthropic':
      return anthropicRequestProblems(body);
    case 'bedrock':
      return bedrockRequestProblems(body, target.model);
    case 'gemini':
    case 'vertex-ai':
      return geminiRequestProblems(body, target.model);
    default:
      return openaiRequestProblems(body);
  }
}
