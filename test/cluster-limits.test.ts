/**
 * Names at their limits: every name, label, selector and host that tritonops derives from a spec
 * written at the longest lengths validation allows must still be one Kubernetes accepts — checked
 * with the rules of Kubernetes' own validation (apimachinery's IsDNS1123Subdomain,
 * IsDNS1123Label/IsDNS1035Label, IsQualifiedName, IsValidLabelValue), including the names other
 * controllers derive from ours (Flagger's `-primary` and `-canary` Services, KEDA's HPA and its
 * label).
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderEnvironment } from '@tritonops/charts';
import { planRepository } from '@tritonops/planner';
import { apiServer, type KubeObject } from './support/apiserver.ts';
import { writeFleet } from './support/fleet.ts';
import { parsedObjects, runCli, snapshotDir, tempDir } from './support/workspace.ts';
import { HOSTILE_FIXTURE } from './support/hostile.ts';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

let problems: string[] = [];
const check = (ok: boolean, what: string) => {
  if (!ok) problems.push(what);
};
const subdomain = (s: string, what: string) =>
  check(s.length <= 253 && DNS1123_SUBDOMAIN.test(s), `${what}: "${s}" is not a DNS-1123 subdomain of at most 253 characters`);
const label1035 = (s: string, what: string) =>
  check(s.length <= 63 && DNS1035_LABEL.test(s), `${what}: "${s}" is not a DNS-1035 label of at most 63 characters`);
const labelKey = (k: string, what: string) => {
  const [prefix, name] = k.includes('/') ? [k.slice(0, k.indexOf('/')), k.slice(k.indexOf('/') + 1)] : [undefined, k];
  if (prefix !== undefined) subdomain(prefix, `${what} prefix`);
  check(name.length <= 63 && LABEL_NAME.test(name), `${what}: "${k}" is not a qualified name`);
};
const labelValue = (v: string, what: string) => check(v.length <= 63 && LABEL_VALUE.test(v), `${what}: "${v}" is not a label value of at most 63 characters`);
const labels = (map: unknown, what: string) => {
  for (const [k, v] of Object.entries((map ?? {}) as Record<string, string>)) {
    labelKey(k, what);
    labelValue(v, `${what} ${k}`);
  }
};
const host = (h: string, what: string) => {
  check(h.length <= 253, `${what}: host "${h}" is longer than 253 characters`);
  for (const part of h.replace(/^\*\./, '').split('.'))
    check(part.length <= 63 && DNS1123_LABEL.test(part), `${what}: "${part}" of host "${h}" is not a DNS label of at most 63 characters`);
};

/** Every problem Kubernetes' validation would find in the names, labels and hosts of `objects`. */
function validate(objects: readonly { file: string; object: Record<string, unknown> }[]): string[] {
  problems = [];
  // Two objects of one identity: the later would silently replace the earlier in the cluster.
  const seen = new Map<string, string>();
  for (const { file, object } of objects) {
    const meta = object.metadata as { name: string; namespace?: string };
    const id = `${String(object.apiVersion).split('/')[0]} ${String(object.kind)} ${meta.namespace ?? ''}/${meta.name}`;
    check(!seen.has(id), `${file}: ${id} is also in ${seen.get(id)}`);
    seen.set(id, file);
  }
  for (const { file, object } of objects) {
    const kind = String(object.kind);
    const meta = object.metadata as { name: string; namespace?: string; labels?: unknown };
    const what = `${file} ${kind}`;
    if (kind === 'Service' || kind === 'Namespace') label1035(meta.name, `${what} name`);
    else subdomain(meta.name, `${what} name`);
    if (meta.namespace) label1035(meta.namespace, `${what} namespace`);
    labels(meta.labels, `${what} label`);
    const spec = (object.spec ?? {}) as Record<string, any>;
    labels(spec.selector?.matchLabels, `${what} selector`);
    labels(spec.template?.metadata?.labels, `${what} pod label`);
    labels(spec.podSelector?.matchLabels, `${what} pod selector`);
    for (const subset of spec.subsets ?? []) labels(subset.labels, `${what} subset`);
    for (const h of [...(spec.hosts ?? []), ...(spec.service?.hosts ?? [])]) host(h, what);
    for (const server of spec.servers ?? []) for (const h of server.hosts ?? []) host(h.replace(/^[^/]*\//, ''), `${what} server`);
    if (kind === 'Canary') {
      // Flagger makes the `-primary` and `-canary` Services and Deployments.
      for (const suffix of ['', '-primary', '-canary']) label1035(`${spec.service.name}${suffix}`, `${what} Flagger Service`);
    }
    if (kind === 'ScaledObject') {
      // KEDA makes an HPA named keda-hpa-<name>, labelled scaledobject.keda.sh/name=<name>.
      subdomain(`keda-hpa-${meta.name}`, `${what} KEDA's HPA`);
      labelValue(meta.name, `${what} KEDA's scaledobject.keda.sh/name label`);
    }
  }
  return problems;
}

const N = 'm'.repeat(52);
const F = 'f'.repeat(52);
const POOL = 'p'.repeat(63);
const ENV = 'e'.repeat(30);
const NAMESPACE = 'n'.repeat(63);
const DOMAIN = `${'d'.repeat(63)}.${'d'.repeat(63)}.${'d'.repeat(63)}.${'d'.repeat(8)}`;
const LABEL = { [`${'l'.repeat(200)}.example.com/${'k'.repeat(63)}`]: 'v'.repeat(63) };

function writeLimits(root: string): void {
  cpSync(HOSTILE_FIXTURE, root, { recursive: true });
  const dir = join(root, 'environments', ENV);
  cpSync(join(root, 'environments/dev'), dir, { recursive: true });
  const env = readFileSync(join(dir, 'environment.yaml'), 'utf8')
    .replace('name: dev', `name: ${ENV}\n  labels: ${JSON.stringify(LABEL)}`)
    .replace('spec:\n', `spec:\n  namespace: ${NAMESPACE}\n  namespaceLabels: ${JSON.stringify(LABEL)}\n`)
    .replace('    t4:', `    ${POOL}:\n      timeSlicing: { replicas: 2 }`)
    .replace('gpusPerNode: 1', 'gpusPerNode: 2')
    .replace('maxNodes: 4', 'maxNodes: 100')
    .replace('domain: inference.example.com', `domain: ${DOMAIN}`);
  writeFileSync(join(dir, 'environment.yaml'), env);
  const model = (name: string, extra: string) =>
    `apiVersion: tritonops.dev/v1alpha1\nkind: Model\nmetadata:\n  name: ${name}\n  labels: ${JSON.stringify(LABEL)}\nspec:\n  image: nvcr.io/nvidia/tritonserver:24.10-py3\n  repository: s3://models/${name}/v1\n  gpuPool: ${POOL}\n  resources: { cpu: "1", memory: 4Gi, shm: 1Gi }\n  signatures:\n    ${name}:\n      inputs: [{ name: IN, datatype: FP32, shape: [-1] }]\n      outputs: [{ name: OUT, datatype: FP32, shape: [-1] }]\n${extra}`;
  writeFileSync(join(dir, 'models/whisper.yaml'), readFileSync(join(dir, 'models/whisper.yaml'), 'utf8').replace('gpuPool: t4', `gpuPool: ${POOL}`));
  writeFileSync(
    join(dir, `models/${N}.yaml`),
    model(
      N,
      '  canary: { repository: s3://models/x/v2, weight: 10, header: { x-canary: "true" } }\n  autoscaling: { maxReplicas: 3, triggers: { queueTimeMs: 50 } }\n',
    ),
  );
  writeFileSync(
    join(dir, `models/${F}.yaml`),
    model(F, '  canary: { analysis: { stepWeight: 10 } }\n  autoscaling: { maxReplicas: 3, triggers: { queueTimeMs: 50 } }\n'),
  );
  mkdirSync(join(dir, 'pipelines'), { recursive: true });
  const step = 's'.repeat(40);
  writeFileSync(
    join(dir, `pipelines/${'q'.repeat(52)}.yaml`),
    `apiVersion: tritonops.dev/v1alpha1\nkind: Pipeline\nmetadata:\n  name: ${'q'.repeat(52)}\n  labels: ${JSON.stringify(LABEL)}\nspec:\n  inputs: [{ name: IN, datatype: FP32, shape: [-1] }]\n  outputs: [{ name: OUT, datatype: FP32, shape: [-1], from: ${step}.OUT }]\n  steps:\n    - { name: ${step}, model: ${N}, inputs: { IN: input.IN } }\n  autoscaling: { maxReplicas: 2, triggers: { queueTimeMs: 50 } }\n`,
  );
}

let limitObjects: Record<string, unknown>[] = [];

describe('names at their limits', () => {
  it('the checks themselves find names, labels and hosts past their limits', () => {
    const bad = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's'.repeat(64), labels: { 'a/b/c': 'x', ok: 'v'.repeat(64) } },
      spec: { hosts: [`${'h'.repeat(64)}.example.com`] },
    };
    expect(validate([{ file: 'f', object: bad }])).toHaveLength(4);
    expect(
      validate([
        { file: 'f', object: bad },
        { file: 'g', object: bad },
      ]),
    ).toContain(`g: v1 Service /${'s'.repeat(64)} is also in f`);
  });

  it('render to objects whose every name, label, selector and host Kubernetes accepts, and so do the names controllers derive from them', async () => {
    const dir = tempDir('limits');
    try {
      writeLimits(dir.path);
      const result = await runCli(['synth', '--env', ENV, '--no-cache'], dir.path);
      expect(result.code, result.stderr).toBe(0);
      const files = [...snapshotDir(join(dir.path, 'flux'))].map(([path, base64]) => ({
        path,
        content: Buffer.from(base64, 'base64').toString('utf8'),
        objects: [],
      }));
      const objects = parsedObjects(files);
      expect(objects.length).toBeGreaterThan(50);
      expect(validate(objects)).toEqual([]);
      limitObjects = objects.map((o) => o.object);
    } finally {
      dir.remove();
    }
  });
});

describe('names at their limits, asked of a real kube-apiserver', () => {
  const api = apiServer();

  it(`every object rendered at the limits is accepted, applied as Flux applies it (server-side apply, dry run, strict field validation, the real CRDs)${'unavailable' in api ? ` (skipped: ${api.unavailable})` : ''}`, async (ctx) => {
    if ('unavailable' in api) return ctx.skip(api.unavailable);
    expect(limitObjects.length).toBeGreaterThan(50);
    const refused: string[] = [];
    for (const object of limitObjects) {
      const why = await api.wouldAccept(object as KubeObject);
      if (why) refused.push(why);
    }
    expect(refused).toEqual([]);
  }, 120_000);

  it('and the server does refuse what it must (a Service name over 63 characters)', async (ctx) => {
    if ('unavailable' in api) return ctx.skip(api.unavailable);
    const why = await api.wouldAccept({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's'.repeat(64), namespace: 'probe' },
      spec: { ports: [{ port: 80 }] },
    });
    expect(why).toMatch(/must be no more than 63 characters/);
  });
});

describe('no object grows with the fleet', () => {
  it('every object of a 1000-model environment stays far below what etcd stores (1.5 MiB a request; 1 MiB a ConfigMap)', () => {
    const dir = tempDir('fleet-1000');
    try {
      writeFleet(dir.path, 1000);
      const result = planRepository({ root: dir.path, displayBase: dir.path, only: ['production'] });
      expect(result.hasErrors).toBe(false);
      const sizes = renderEnvironment(result.plans[0]!).flatMap((f) =>
        f.objects.map((o) => ({ what: `${f.path}: ${String(o.kind)}`, bytes: JSON.stringify(o).length })),
      );
      const largest = sizes.reduce((a, b) => (b.bytes > a.bytes ? b : a));
      // 256 KiB leaves room for a fleet four times larger before anything nears a limit.
      expect(largest.bytes, largest.what).toBeLessThan(256 * 1024);
    } finally {
      dir.remove();
    }
  }, 120_000);
});
