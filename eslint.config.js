// Typed ESLint. The pure core (providers/, streaming/, guards/, tokens/) may not import
// grpc, pino, prom-client or the server layer: they take and return plain data.
import tseslint from 'typescript-eslint';

const pureCore = {
  patterns: [
    {
      group: ['@grpc/*', 'pino', 'prom-client', '**/server/**', '**/metrics/**', '**/logging/**'],
      message: 'The core is pure: plain data in, plain data out.',
    },
  ],
};

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
    files: ['src/providers/**', 'src/streaming/**', 'src/guards/**', 'src/tokens/**'],
    rules: { 'no-restricted-imports': ['error', pureCore] },
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
