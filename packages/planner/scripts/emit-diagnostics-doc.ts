/**
 * Writes docs/diagnostics.md, the list of every diagnostic code, from the registry in
 * src/diagnostic-codes.ts. Run with `npm run diagnostics-doc`; a test fails when it is stale.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { diagnosticsDoc } from '../src/diagnostic-codes.ts';

const repoRoot = resolve(import.meta.dirname, '../../..');
writeFileSync(join(repoRoot, 'docs/diagnostics.md'), diagnosticsDoc());
console.log('wrote docs/diagnostics.md');
