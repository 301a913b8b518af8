import { defineConfig } from 'vitest/config';
import SkipReasons from '../../test/support/skip-reasons.ts';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 60_000,
    // Every skipped test, with its reason, after the run (and none may skip in tritonops' CI).
    reporters: ['default', new SkipReasons()],
  },
});
