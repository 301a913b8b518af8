import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Built once into dist/ and served by `tritonops ui` (apps/cli/src/ui-server): no dev server in use.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 3000, reportCompressedSize: false },
  test: {
    environment: 'jsdom',
    include: ['test/**/*.test.{ts,tsx}'],
    setupFiles: ['test/setup.ts'],
  },
});
