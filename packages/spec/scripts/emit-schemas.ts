/**
 * Writes the generated artefacts of the spec: the JSON Schema files editors read and the field
 * reference in docs/. Run with `npm run schemas`; tests fail when they are stale.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { referenceDoc, SCHEMAS, schemaFileText } from '../src/index.ts';

const packageRoot = resolve(import.meta.dirname, '..');
const repoRoot = resolve(packageRoot, '../..');
mkdirSync(join(packageRoot, 'schemas'), { recursive: true });
for (const [file, schema] of Object.entries(SCHEMAS)) {
  writeFileSync(join(packageRoot, 'schemas', file), schemaFileText(schema, file));
  console.log(`wrote packages/spec/schemas/${file}`);
}
mkdirSync(join(repoRoot, 'docs'), { recursive: true });
writeFileSync(join(repoRoot, 'docs/spec-reference.md'), referenceDoc());
console.log('wrote docs/spec-reference.md');
