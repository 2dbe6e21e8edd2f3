/**
 * The tools, resources and prompts the official MCP conformance suite (@modelcontextprotocol/conformance)
 * calls by name, registered on a fixture server so the suite's scenarios have something to test
 * (the differential conformance test runs it directly and through Envoy and the MCP guard).
 */
import type { McpServer } from '@modelcontextprotocol/server';
import { ResourceTemplate, fromJsonSchema } from '@modelcontextprotocol/server';

/** A 1x1 PNG and a tiny WAV, base64. */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const WAV = 'UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQAAAAA=';

const none = fromJsonSchema<Record<string, never>>({ type: 'object', properties: {} });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function registerConformanceItems(s: McpServer): void {
  s.registerTool('test_simple_text', { inputSchema: none }, () => ({
    content: [{ type: 'text', text: 'This is a simple text response for testing.' }],
  }));
  s.registerTool('test_image_content', { inputSchema: none }, () => ({
    content: [{ type: 'image', data: PNG, mimeType: 'image/png' }],
  }));
  s.registerTool('test_audio_content', { inputSchema: none }, () => ({
    content: [{ type: 'audio', data: WAV, mimeType: 'audio/wav' }],
  }));
  s.registerTool('test_embedded_resource', { inputSchema: none }, () => ({
    content: [
      {
        type: 'resource',
        resource: {
          uri: 'test://embedded-resource',
          mimeType: 'text/plain',
          text: 'This is an embedded resource content.',
        },
      },
    ],
  }));
  s.registerTool('test_multiple_content_types', { inputSchema: none }, () => ({
    content: [
      { type: 'text', text: 'Multiple content types test:' },
      { type: 'image', data: PNG, mimeType: 'image/png' },
      {
        type: 'resource',
        resource: {
          uri: 'test://mixed-content-resource',
          mimeType: 'application/json',
          text: '{"test":"data","value":123}',
        },
      },
    ],
  }));
  s.registerTool('test_tool_with_logging', { inputSchema: none }, async (_args, ctx) => {
    await ctx.mcpReq.log('info', 'Tool execution started');
    await sleep(50);
    await ctx.mcpReq.log('info', 'Tool processing data');
    await sleep(50);
    await ctx.mcpReq.log('info', 'Tool execution completed');
    return { content: [{ type: 'text', text: 'Tool with logging executed successfully' }] };
  });
  s.registerTool('test_error_handling', { inputSchema: none }, () => ({
    isError: true,
    content: [{ type: 'text', text: 'This tool intentionally returns an error for testing' }],
  }));
  s.registerResource('static-text', 'test://static-text', { mimeType: 'text/plain' }, (uri) => ({
    contents: [
      { uri: uri.href, mimeType: 'text/plain', text: 'This is the content of the static text resource.' },
    ],
  }));
  s.registerResource('static-binary', 'test://static-binary', { mimeType: 'image/png' }, (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'image/png', blob: PNG }],
  }));
  s.registerResource(
    'template',
    new ResourceTemplate('test://template/{id}/data', { list: undefined }),
    { mimeType: 'application/json' },
    (uri, vars) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: 'application/json',
          text: JSON.stringify({ id: vars.id, templateTest: true, data: `Data for ID: ${String(vars.id)}` }),
        },
      ],
    }),
  );
  s.registerPrompt('test_simple_prompt', {}, () => ({
    messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }],
  }));
  s.registerPrompt(
    'test_prompt_with_arguments',
    {
      argsSchema: fromJsonSchema<{ arg1: string; arg2: string }>({
        type: 'object',
        properties: { arg1: { type: 'string' }, arg2: { type: 'string' } },
        required: ['arg1', 'arg2'],
      }),
    },
    (args) => ({
      messages: [
        {
          role: 'user',
          content: { type: 'text', text: `Prompt with arguments: arg1='${args.arg1}', arg2='${args.arg2}'` },
        },
      ],
    }),
  );
  s.registerPrompt(
    'test_prompt_with_embedded_resource',
    {
      argsSchema: fromJsonSchema<{ resourceUri: string }>({
        type: 'object',
        properties: { resourceUri: { type: 'string' } },
        required: ['resourceUri'],
      }),
    },
    (args) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'resource',
            resource: {
              uri: args.resourceUri,
              mimeType: 'text/plain',
              text: 'Embedded resource content for testing.',
            },
          },
        },
        { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
      ],
    }),
  );
  s.registerPrompt('test_prompt_with_image', {}, () => ({
    messages: [
      { role: 'user', content: { type: 'image', data: PNG, mimeType: 'image/png' } },
      { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
    ],
  }));
}
