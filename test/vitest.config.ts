import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 60_000,
    // One real kube-apiserver for the run (support/apiserver.ts); tests that need it ask for it.
    globalSetup: ['./support/apiserver-setup.ts'],
    // @actions/workflow-parser imports JSON without an import attribute, which Node refuses.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
