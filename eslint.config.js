// Typed ESLint. The pure core (providers/, streaming/, guards/, tokens/) may not import
// grpc, pino, prom-client or the server layer: they take and return plain data.
import tseslint from 'typescript-eslint';

// The house, top to bottom; a layer imports only from layers below it (docs/architecture.md):
//   app.ts, main.ts                       the composition root
//   server/ metrics/ tracing/ logging/ http/ stores/ pools/ mcp-gateway/ embedders/   adapters (server/ alone knows protobuf)
//   pipeline/                             the exchange, its modes and stages
//   config/                               settings, kgateway policy, the standalone YAML
//   providers/ streaming/ guards/ tokens/ mcp/ limits/ picking/ cache/   the pure core: plain data in, plain data out
const up = (...dirs) => dirs.map((d) => `**/${d}/**`);
const ROOT = ['**/app.js', '**/app-modes.js', '**/cache-wiring.js', '**/main.js'];
const layer = (message, ...groups) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: groups.flat(), message }] }],
});
const ADAPTERS = up(
  'server',
  'metrics',
  'tracing',
  'logging',
  'http',
  'stores',
  'pools',
  'mcp-gateway',
  'embedders',
);
const LIBS = [
  '@grpc/*',
  'pino',
  'prom-client',
  '@opentelemetry/*',
  'redis',
  '@redis/*',
  'pg',
  'onnxruntime-node',
];
export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', 'src/server/generated/**', '.venv/**', 'coverage/**', '.tmp/**'],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      'no-console': 'error',
    },
  },
  {
    files: [
      'src/providers/**',
      'src/streaming/**',
      'src/tokens/**',
      'src/limits/**',
      'src/picking/**',
      'src/cache/**',
    ],
    rules: layer(
      'The core is pure: plain data in, plain data out; it imports nothing above it.',
      LIBS,
      ROOT,
      ADAPTERS,
      up('pipeline', 'config', 'guards'),
    ),
  },
  {
    files: ['src/guards/**'],
    rules: layer(
      'Guards are pure core: they read every provider family through provider-family.ts, not providers/.',
      LIBS,
      ROOT,
      ADAPTERS,
      up('pipeline', 'config', 'providers'),
    ),
  },
  {
    files: ['src/mcp/**'],
    rules: layer(
      'The MCP rules engine is pure core (reused by the federation endpoint): it may use guards/ (RE2), nothing above.',
      LIBS,
      ROOT,
      ADAPTERS,
      up('pipeline', 'config', 'providers'),
    ),
  },
  {
    files: ['src/config/**'],
    rules: layer('config/ sits below pipeline/ and the adapters.', LIBS, ROOT, ADAPTERS, up('pipeline')),
  },
  {
    files: ['src/pipeline/**'],
    rules: layer(
      'pipeline/ talks to the adapters only through its own ports (observer, tracer, log, types).',
      LIBS,
      ROOT,
      ADAPTERS,
    ),
  },
  {
    files: [
      'src/server/**',
      'src/metrics/**',
      'src/tracing/**',
      'src/logging/**',
      'src/http/**',
      'src/stores/**',
      'src/pools/**',
      'src/mcp-gateway/**',
      'src/embedders/**',
    ],
    rules: layer('Adapters never import the composition root.', ROOT),
  },
  {
    files: ['test/**', 'bench/**', 'scripts/**', 'mock-provider/**'],
    rules: {
      'no-console': 'off',
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  { files: ['eslint.config.js'], extends: [tseslint.configs.disableTypeChecked] },
);
