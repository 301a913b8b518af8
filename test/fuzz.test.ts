/**
 * Property-based fuzzing with fast-check: random valid specs render objects the upstream schemas
 * accept; random mutations of a valid spec either render or fail with positioned errors — never a
 * crash, a hang, or a partial write of flux/.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { renderAll } from '@tritonops/charts';
import { planRepository } from '@tritonops/planner';
import { nonEmpty } from './support/non-empty.ts';
import { BUNDLED, parsedObjects, runCli, snapshotDir, tempDir } from './support/workspace.ts';
import { validateUpstream } from './support/upstream-schemas.ts';

const scratch = tempDir('fuzz');
afterAll(() => scratch.remove());
let runs = 0;

const ENVIRONMENT = `apiVersion: tritonops.dev/v1alpha1
kind: Environment
metadata: { name: dev }
spec:
  git: { url: "ssh://git@git.example.com/acme/fleet.git" }
  gpuPools:
    t4: { nodeSelector: { gpu.example.com/model: tesla-t4 }, gpusPerNode: 4, maxNodes: 64, gpuMemory: 16Gi }
  s3: { endpoint: "https://s3.example.com:443", region: ru-1, credentialsSecret: s3-model-reader }
  sfs: { server: 10.0.0.2, path: /shares/cache, size: 1Ti }
  gateway: { domain: inference.example.com, tlsSecret: inference-tls }
  auth: { jwt: { issuer: "https://kc.example.com/realms/ml", jwksUri: "https://kc.example.com/realms/ml/protocol/openid-connect/certs" } }
`;

const modelArb = fc.record({
  gpu: fc.boolean(),
  gpus: fc.integer({ min: 1, max: 4 }),
  replicas: fc.integer({ min: 0, max: 5 }),
  cache: fc.constantFrom('none', 'sfs'),
  memoryGi: fc.integer({ min: 2, max: 64 }),
  canary: fc.option(fc.record({ weight: fc.integer({ min: 0, max: 100 }), header: fc.boolean(), mirror: fc.option(fc.integer({ min: 1, max: 100 })) })),
  autoscale: fc.option(fc.record({ min: fc.integer({ min: 1, max: 3 }), extra: fc.integer({ min: 0, max: 3 }), queue: fc.integer({ min: 1, max: 500 }) })),
  analysis: fc.boolean(),
  publicModel: fc.boolean(),
});

type ModelCase = typeof modelArb extends fc.Arbitrary<infer T> ? T : never;

function modelYaml(name: string, m: ModelCase): string {
  const lines = [
    'apiVersion: tritonops.dev/v1alpha1',
    'kind: Model',
    `metadata: { name: ${name} }`,
    'spec:',
    '  image: nvcr.io/nvidia/tritonserver:24.10-py3',
    `  repository: s3://models/${name}/v1`,
    ...(m.gpu ? ['  gpuPool: t4', `  gpus: ${m.gpus}`] : []),
    // Flagger needs a model that runs (validation refuses `replicas: 0` under analysis).
    `  replicas: ${m.analysis && !m.autoscale ? Math.max(1, m.replicas) : m.replicas}`,
    `  resources: { cpu: "2", memory: ${m.memoryGi}Gi, shm: 1Gi }`,
    `  cache: ${m.cache}`,
    ...(m.publicModel ? ['  auth: { required: false }'] : []),
    ...(m.autoscale
      ? [
          '  autoscaling:',
          `    minReplicas: ${m.autoscale.min}`,
          `    maxReplicas: ${m.autoscale.min + m.autoscale.extra}`,
          `    triggers: { queueTimeMs: ${m.autoscale.queue} }`,
        ]
      : []),
  ];
  if (m.analysis) lines.push('  canary:', '    analysis: { stepWeight: 10, maxWeight: 50 }');
  else if (m.canary) {
    lines.push('  canary:', `    repository: s3://models/${name}/v2`, `    weight: ${m.canary.weight}`);
    if (m.canary.header) lines.push('    header: { x-canary: "true" }');
    if (m.canary.mirror) lines.push(`    mirror: { percent: ${m.canary.mirror} }`);
  }
  return `${lines.join('\n')}\n`;
}

function workspace(files: Record<string, string>): string {
  const root = join(scratch.path, `run-${runs++}`);
  mkdirSync(join(root, 'environments/dev/models'), { recursive: true });
  writeFileSync(join(root, 'environments/dev/environment.yaml'), ENVIRONMENT);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, 'environments/dev/models', name), text);
  return root;
}

describe('fuzzing', () => {
  it('random valid specs render objects that the upstream schemas accept', () => {
    fc.assert(
      fc.property(fc.array(modelArb, { minLength: 1, maxLength: 4 }), (models) => {
        const root = workspace(Object.fromEntries(models.map((m, i) => [`m${i}.yaml`, modelYaml(`m${i}`, m)])));
        const result = planRepository({ root, displayBase: root });
        expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        for (const { object } of nonEmpty(parsedObjects(renderAll(result.plans)), 'rendered objects')) {
          if (object.kind === 'Canary' || object.kind === 'MetricTemplate') continue; // their schema lives in ../shared
          validateUpstream(object);
        }
      }),
      { numRuns: 40, seed: 20261125 },
    );
  });

  const base = readFileSync(join(BUNDLED, 'environments/staging/models/whisper.yaml'), 'utf8');
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('delete-line' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('duplicate-line' as const), at: fc.nat() }),
    fc.record({
      kind: fc.constant('replace-char' as const),
      at: fc.nat(),
      char: fc.constantFrom(':', ' ', '-', '{', '[', '"', '\t', '&', '*', '#', 'x', '0', '\u00e9'),
    }),
    fc.record({
      kind: fc.constant('insert-text' as const),
      at: fc.nat(),
      text: fc.constantFrom('\n  gpus: -1', '\n  extra: 1', ': [', '\n---\n', '&a', '*a', '\n  replicas: "many"', '!!binary x'),
    }),
  );
  type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;
  function mutate(text: string, m: Mutation): string {
    const lines = text.split('\n');
    const i = m.at % Math.max(1, m.kind === 'replace-char' || m.kind === 'insert-text' ? text.length : lines.length);
    if (m.kind === 'delete-line') return lines.filter((_, j) => j !== i).join('\n');
    if (m.kind === 'duplicate-line') return [...lines.slice(0, i + 1), lines[i] ?? '', ...lines.slice(i + 1)].join('\n');
    if (m.kind === 'replace-char') return text.slice(0, i) + m.char + text.slice(i + 1);
    if (m.kind === 'insert-text') return text.slice(0, i) + m.text + text.slice(i);
    return text;
  }

  it('random mutations render or fail with positioned errors, never crash, and never half-write flux/', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const text = mutations.reduce((t, m) => mutate(t, m), base);
        const root = workspace({ 'whisper.yaml': text.replace('cache: sfs', 'cache: none') });
        mkdirSync(join(root, 'flux'), { recursive: true });
        writeFileSync(join(root, 'flux/README.md'), 'kept\n');
        const before = snapshotDir(join(root, 'flux'));
        const result = await runCli(['synth'], root);
        expect([0, 1]).toContain(result.code);
        expect(result.stderr).not.toContain('internal error');
        if (result.code === 1) {
          expect(result.stderr).toMatch(/^environments\/dev\/\S+:\d+:\d+: error: /m);
          expect(snapshotDir(join(root, 'flux'))).toEqual(before);
        } else {
          expect(snapshotDir(join(root, 'flux')).has('models/dev/models/whisper/whisper.yaml')).toBe(true);
        }
      }),
      { numRuns: 60, seed: 42 },
    );
  });
});
