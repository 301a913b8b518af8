import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvironmentSchema, ModelSchema, PipelineSchema, REFERENCE_KINDS, referenceDoc, SCHEMAS, schemaFileText } from '../src/index.ts';

const packageRoot = resolve(import.meta.dirname, '..');
const repoRoot = resolve(packageRoot, '../..');
type Schema = Record<string, unknown>;

/** Every property schema, with its path. */
function properties(schema: Schema, path = ''): [string, Schema][] {
  const out: [string, Schema][] = [];
  for (const [name, child] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
    const p = path ? `${path}.${name}` : name;
    out.push([p, child]);
    out.push(...properties(child, p));
    const items = child.items as Schema | undefined;
    if (items?.properties) out.push(...properties(items, `${p}[]`));
    const values = Object.values((child.patternProperties ?? {}) as Record<string, Schema>)[0];
    if (values?.properties) out.push(...properties(values, `${p}.<name>`));
  }
  return out;
}

describe('the schemas are the single, documented source of truth', () => {
  it.each(Object.entries(SCHEMAS))('packages/spec/schemas/%s is what the schema emits (run `npm run schemas`, or `vitest -u`)', async (file, schema) => {
    await expect(schemaFileText(schema, file)).toMatchFileSnapshot(join(packageRoot, 'schemas', file));
  });

  it('docs/spec-reference.md is what the schemas generate (run `npm run schemas`, or `vitest -u`)', async () => {
    await expect(referenceDoc()).toMatchFileSnapshot(join(repoRoot, 'docs/spec-reference.md'));
  });

  it.each(Object.entries(SCHEMAS))('the kind of %s has its section in docs/spec-reference.md, with every field', (file, schema) => {
    const kind = ((schema as unknown as Schema).properties as Record<string, Schema>).kind!.const as string;
    expect(REFERENCE_KINDS.map((k) => k.kind)).toContain(kind);
    const doc = referenceDoc();
    const start = doc.indexOf(`\n## ${kind}\n`);
    expect(start, `no "## ${kind}" section`).toBeGreaterThan(0);
    const next = doc.indexOf('\n## ', start + 1);
    const body = doc.slice(start, next < 0 ? undefined : next);
    expect(body).toContain(`(../packages/spec/schemas/${file})`);
    for (const [path] of properties(schema as unknown as Schema)) expect(body, path).toContain(`| \`${path}\` |`);
  });

  it.each([
    ['Environment', EnvironmentSchema],
    ['Model', ModelSchema],
    ['Pipeline', PipelineSchema],
  ] as const)('every field of %s has a description and an example', (_kind, schema) => {
    const fields = properties(schema as unknown as Schema);
    expect(fields.length).toBeGreaterThan(10);
    const undocumented = fields.filter(([, s]) => typeof s.description !== 'string' || (s.description as string).length < 8).map(([p]) => p);
    expect(undocumented).toEqual([]);
    const withoutExample = fields.filter(([, s]) => !Array.isArray(s.examples) || (s.examples as unknown[]).length === 0).map(([p]) => p);
    // Objects (and lists of objects) whose fields all carry examples may go without one of their own.
    expect(withoutExample.filter((p) => !fields.some(([q]) => q.startsWith(`${p}.`) || q.startsWith(`${p}[].`)))).toEqual([]);
  });

  it('every field with a default is optional, so editors do not ask for it', () => {
    for (const schema of [EnvironmentSchema, ModelSchema, PipelineSchema] as unknown as Schema[]) {
      const walk = (s: Schema) => {
        const required = new Set((s.required as string[] | undefined) ?? []);
        for (const [name, child] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) {
          if (child.default !== undefined) expect(required.has(name), name).toBe(false);
          walk(child);
        }
      };
      walk(schema);
    }
  });

  it('every bundled spec starts with a yaml-language-server line naming an existing schema file', () => {
    // The bundled examples from their fixture copy (the repository's environments/ holds a team's
    // own specs), each path resolved from where the example ships: environments/<env>/….
    const bundled = join(repoRoot, 'test/fixtures/bundled');
    const envs = readdirSync(join(bundled, 'environments'));
    const files = envs.flatMap((e) => [
      join('environments', e, 'environment.yaml'),
      ...readdirSync(join(bundled, 'environments', e, 'models')).map((m) => join('environments', e, 'models', m)),
    ]);
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const first = readFileSync(join(bundled, file), 'utf8').split('\n')[0]!;
      const m = /^# yaml-language-server: \$schema=(.+)$/.exec(first);
      expect(m, file).not.toBeNull();
      const target = join(file, '..', m![1]!);
      const expected = file.endsWith('environment.yaml') ? 'environment.schema.json' : 'model.schema.json';
      expect(target).toBe(relative(repoRoot, join(packageRoot, 'schemas', expected)));
    }
  });
});
