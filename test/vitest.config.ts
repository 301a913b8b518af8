import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import SkipReasons from './support/skip-reasons.ts';

// The inlined @actions/workflow-parser ships source maps without their sources: Vite says so once per
// file (67 lines of noise). Vitest installs its own logger, so a plugin filters that one message on
// the resolved logger; every other warning still prints.
const quietMissingSources: Plugin = {
  name: 'quiet-missing-sources',
  configResolved({ logger }) {
    for (const level of ['warn', 'warnOnce'] as const) {
      const print = logger[level].bind(logger);
      logger[level] = (message, options) => {
        if (!(message.startsWith('Sourcemap for ') && message.includes('/node_modules/@actions/workflow-parser/'))) print(message, options);
      };
    }
  },
};

export default defineConfig({
  plugins: [quietMissingSources],
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 60_000,
    // Every skipped test, with its reason, after the run (and none may skip in tritonops' CI).
    reporters: ['default', new SkipReasons()],
    // One real kube-apiserver for the run (support/apiserver.ts); tests that need it ask for it. The
    // control panel's web app, built once for the browser tests (support/panel.ts).
    globalSetup: ['./support/apiserver-setup.ts', './support/panel-setup.ts'],
    // @actions/workflow-parser imports JSON without an import attribute, which Node refuses.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
