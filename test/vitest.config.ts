import { defineConfig } from 'vitest/config';
import SkipReasons from './support/skip-reasons.ts';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 60_000,
    // Every skipped test, with its reason, after the run (and none may skip in tritonops' CI).
    reporters: ['default', new SkipReasons()],
    // One real kube-apiserver for the run (support/apiserver.ts); tests that need it ask for it.
    globalSetup: ['./support/apiserver-setup.ts'],
    // @actions/workflow-parser imports JSON without an import attribute, which Node refuses.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
