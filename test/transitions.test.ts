/**
 * Transitions between two renders, on the real API server: each case applies render A as Flux
 * would, then render B (apply, then prune what left Git), plays the controllers that act in
 * between (KEDA's autoscaler, Flagger, the garbage collector: support/controllers.ts), and
 * asserts on what the server stores. Each case also asserts how `tritonops diff` and
 * `validate --base` classify the change (safe, disruptive, or two steps), so every class is
 * proven here; where a change is refused, the case shows on the server what it would have done.
 * One namespace per case. docs/transitions.md has the table.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { apiServer, type ApiClient, type KubeObject } from './support/apiserver.ts';
import {
  autoscalerActs,
  canaryRef,
  collectGarbage,
  deploymentRef,
  destinationRuleRef,
  flaggerFinalizes,
  flaggerInitializes,
  replicasOwners,
  scaledObjectRef,
  serviceRef,
  stored,
  virtualServiceRef,
} from './support/controllers.ts';
import { FluxSync } from './support/flux-sync.ts';
import { classes, classify, model, render, TransitionCase, type EnvironmentOptions } from './support/transition-case.ts';

const server = apiServer();
const skip = 'unavailable' in server ? server.unavailable : undefined;
const api = server as ApiClient;
const title = (name: string) => `${name}${skip ? ` (skipped: ${skip})` : ''}`;

/** Names of the objects of `kind` in `namespace`. */
async function names(namespace: string | undefined, apiVersion: string, kind: string): Promise<string[]> {
  const { path } = await api.collection(apiVersion, kind, namespace);
  const r = await api.call('GET', path);
  return ((r.body.items ?? []) as KubeObject[]).map((o) => o.metadata.name).sort();
}

/** Every subset a VirtualService routes to is defined by the DestinationRule of its host. */
async function routesResolve(namespace: string, step: string): Promise<void> {
  const list = async (apiVersion: string, kind: string) =>
    ((await api.call('GET', (await api.collection(apiVersion, kind, namespace)).path)).body.items ?? []) as Record<string, any>[];
  const rules = await list('networking.istio.io/v1', 'DestinationRule');
  for (const vs of await list('networking.istio.io/v1', 'VirtualService')) {
    for (const route of vs.spec.http ?? []) {
      for (const d of [...(route.route ?? []).map((r: Record<string, any>) => r.destination), ...(route.mirror ? [route.mirror] : [])]) {
        if (!d.subset) continue;
        const rule = rules.find((r) => r.spec.host === d.host);
        expect(
          rule?.spec.subsets?.map((s: { name: string }) => s.name) ?? [],
          `${step}: VirtualService ${vs.metadata.name} routes to subset ${d.subset} of ${d.host}`,
        ).toContain(d.subset);
      }
    }
  }
}

describe('what a change does to the cluster, on the real API server', () => {
  // The infrastructure's namespaces (the environment's gateway lives in one), as its Kustomization makes them.
  beforeAll(async () => {
    if (!skip) await api.ensureNamespace('istio-ingress');
  });

  it(title('autoscaling turned on for a model running 3 replicas: the count never drops while the autoscaler takes spec.replicas over'), async (ctx) => {
    if (skip) return ctx.skip(skip);
    const env: EnvironmentOptions = { namespace: 't-autoscaling' };
    const fixed = { asr: model('  gpuPool: t4\n  replicas: 3\n') };
    const autoscaled = (extra = '') => ({
      asr: model(`  gpuPool: t4\n${extra}  autoscaling: { minReplicas: 2, maxReplicas: 6, triggers: { queueTimeMs: 50 } }\n`),
    });
    const replicas = async () => (await stored(api, deploymentRef(env.namespace, 'asr')))?.spec.replicas as number | undefined;
    const c = new TransitionCase(api, async (step) => {
      const n = await replicas();
      if (n !== undefined) expect(n, `after ${step}`).toBeGreaterThanOrEqual(3);
    });
    expect((await c.step(env, fixed)).sync.refused).toEqual([]);

    // In one step: refused, with the first step named.
    const direct = c.judge(env, autoscaled());
    expect(classes(direct)).toEqual(['two-steps: model asr: autoscaling turned on for asr, which runs 3 replicas']);
    expect(direct[0]!.step).toContain('`handover: true` and `replicas: 3`');

    // Step 1, the handover: Flux leaves the Deployment alone; the autoscaler must write one more.
    const handover = await c.step(env, autoscaled('  replicas: 3\n  handover: true\n'));
    expect(classes(handover.transitions)).toEqual(['disruptive: model asr: autoscaling turned on for asr (handover)']);
    expect(handover.sync.refused).toEqual([]);
    expect(await replicas()).toBe(3);
    const so = await stored(api, scaledObjectRef(env.namespace, 'asr'));
    expect([so!.spec.minReplicaCount, so!.spec.maxReplicaCount]).toEqual([4, 6]);
    expect(await autoscalerActs(api, env.namespace, 'asr')).toBe(4);
    expect(await replicasOwners(api, env.namespace, 'asr')).toEqual(['kube-controller-manager/scale']);

    // Step 2: replicas leave Git; the autoscaler's count stays.
    const done = await c.step(env, autoscaled());
    expect(classes(done.transitions)).toEqual(['disruptive: model asr: handover of asr to the autoscaler finished']);
    expect(done.sync.refused).toEqual([]);
    expect(await replicas()).toBe(4);
  });

  it(title('autoscaling turned on in one step: what the refusal prevents — the server resets spec.replicas from 3 to 1'), async (ctx) => {
    if (skip) return ctx.skip(skip);
    const env: EnvironmentOptions = { namespace: 't-autoscaling-direct' };
    const flux = new FluxSync(api);
    await flux.sync(render(env, { asr: model('  gpuPool: t4\n  replicas: 3\n') }).objects);
    await flux.sync(render(env, { asr: model('  gpuPool: t4\n  autoscaling: { minReplicas: 2, maxReplicas: 6, triggers: { queueTimeMs: 50 } }\n') }).objects);
    expect((await stored(api, deploymentRef(env.namespace, 'asr')))!.spec.replicas).toBe(1);
  });

  it(
    title(
      'Flagger analysis turned on in two steps, then off in three: the model stays routed and sized throughout, and Flux never fights Flagger over replicas',
    ),
    async (ctx) => {
      if (skip) return ctx.skip(skip);
      const env: EnvironmentOptions = { namespace: 't-flagger' };
      const ns = env.namespace;
      const spec = (extra: string, release = 'v1') => ({ asr: model(`  gpuPool: t4\n  replicas: 2\n${extra}`, release) });
      const analysis = '  canary:\n    analysis: { stepWeight: 10, maxWeight: 50 }\n';
      const c = new TransitionCase(api);
      await c.step(env, spec(''));

      expect(classes(c.judge(env, spec(analysis)))).toEqual(['two-steps: model asr: Flagger analysis turned on']);

      // On, step 1: the Canary beside tritonops' routes; the Deployment untouched.
      const on1 = await c.step(env, spec(`  handover: true\n${analysis}`));
      expect(classes(on1.transitions)).toEqual(['disruptive: model asr: Flagger analysis turned on (handover)']);
      expect(on1.sync.refused).toEqual([]);
      expect((await stored(api, canaryRef(ns, 'asr')))!.spec.revertOnDeletion).toBe(true);
      for (const ref of [serviceRef(ns, 'asr'), virtualServiceRef(ns, 'asr'), virtualServiceRef(ns, 'asr-ingress'), destinationRuleRef(ns, 'asr')])
        expect(await stored(api, ref), ref.metadata.name).toBeDefined();
      expect((await stored(api, deploymentRef(ns, 'asr')))!.spec.replicas).toBe(2);
      const fixedSize = (await stored(api, scaledObjectRef(ns, 'asr')))!;
      expect([fixedSize.spec.minReplicaCount, fixedSize.spec.maxReplicaCount]).toEqual([2, 2]);

      await flaggerInitializes(api, ns, 'asr');
      expect((await stored(api, deploymentRef(ns, 'asr-primary')))!.spec.replicas).toBe(2);

      // On, step 2: tritonops' DestinationRule and ingress route go; Service and VirtualService are Flagger's.
      const on2 = await c.step(env, spec(analysis));
      expect(classes(on2.transitions)).toEqual(['disruptive: model asr: handover to Flagger finished']);
      expect(on2.sync.pruned.sort()).toEqual(['networking.istio.io/DestinationRule/t-flagger/asr', 'networking.istio.io/VirtualService/t-flagger/asr-ingress']);
      expect((await stored(api, serviceRef(ns, 'asr')))!.spec.selector).toEqual({ 'app.kubernetes.io/name': 'asr-primary' });
      expect((await stored(api, virtualServiceRef(ns, 'asr')))!.spec.http[0].route[0].destination.host).toBe('asr-primary');

      // Flux syncs again and again: the target stays at 0 (no replica count in Git to restore).
      await c.step(env, spec(analysis));
      expect((await stored(api, deploymentRef(ns, 'asr')))!.spec.replicas).toBe(0);

      // A new release under analysis: Flagger's business; Flux updates the pods, not the count.
      const release = await c.step(env, spec(analysis, 'v2'));
      expect(classes(release.transitions)).toEqual(['disruptive: model asr: new release of asr']);
      expect(release.transitions[0]!.effect).toContain('Flagger starts an analysis');
      const target = (await stored(api, deploymentRef(ns, 'asr')))!;
      expect(target.spec.replicas).toBe(0);
      expect(JSON.stringify(target.spec.template)).toContain('models/asr/v2');

      // Off in one step: refused.
      expect(classes(c.judge(env, spec('', 'v2')))).toEqual(['two-steps: model asr: Flagger analysis turned off']);

      // Off, step 1: tritonops' routes come back beside Flagger's.
      const off1 = await c.step(env, spec(`  handover: true\n${analysis}`, 'v2'));
      expect(classes(off1.transitions)).toEqual(['safe: model asr: handover before turning analysis off']);
      expect(await stored(api, destinationRuleRef(ns, 'asr'))).toBeDefined();
      expect(await stored(api, virtualServiceRef(ns, 'asr-ingress'))).toBeDefined();

      // Analysis and handover removed together: refused (the ScaledObject Flagger resumes would go too).
      expect(classes(c.judge(env, spec('', 'v2')))).toEqual(['two-steps: model asr: Flagger analysis and the handover removed together']);

      // Off, step 2: the Canary is deleted; what its clean-up needs stays; Flagger hands the model back before its primary goes.
      const off2 = await c.step(env, spec('  handover: true\n', 'v2'));
      expect(classes(off2.transitions)).toEqual(['disruptive: model asr: Flagger analysis turned off (handover)']);
      expect(off2.transitions[0]!.step).toContain('kubectl -n t-flagger annotate service/asr virtualservice/asr kustomize.toolkit.fluxcd.io/reconcile-');
      expect(off2.sync.pruned).toContain('flagger.app/Canary/t-flagger/asr');
      expect(off2.sync.pruned).not.toContain('keda.sh/ScaledObject/t-flagger/asr');
      expect(await flaggerFinalizes(api, ns, 'asr')).toBe('done');
      await collectGarbage(api, ns);
      expect(await stored(api, canaryRef(ns, 'asr'))).toBeUndefined();
      expect(await stored(api, deploymentRef(ns, 'asr-primary'))).toBeUndefined();
      expect((await stored(api, deploymentRef(ns, 'asr')))!.spec.replicas).toBe(2);
      expect((await stored(api, serviceRef(ns, 'asr')))!.spec.selector).toEqual({ 'app.kubernetes.io/name': 'asr' });
      expect((await stored(api, virtualServiceRef(ns, 'asr')))!.spec.hosts).toEqual(['asr.t-flagger.svc.cluster.local']);

      // Off, step 3: Flux applies the Deployment again; the ScaledObject that held its size goes.
      const off3 = await c.step(env, spec('', 'v2'));
      expect(classes(off3.transitions)).toEqual(['disruptive: model asr: handover after Flagger analysis finished']);
      expect(off3.sync.pruned).toContain('keda.sh/ScaledObject/t-flagger/asr');
      expect((await stored(api, deploymentRef(ns, 'asr')))!.spec.replicas).toBe(2);
      expect(await replicasOwners(api, ns, 'asr')).toContain('kustomize-controller');
    },
  );

  it(title('Flagger analysis turned on in one step: what the refusal prevents — Flux deletes the Service before Flagger has one'), async (ctx) => {
    if (skip) return ctx.skip(skip);
    const env: EnvironmentOptions = { namespace: 't-flagger-direct' };
    const flux = new FluxSync(api);
    await flux.sync(render(env, { asr: model('  replicas: 2\n') }).objects);
    const result = await flux.sync(render(env, { asr: model('  replicas: 2\n  canary:\n    analysis: {}\n') }).objects);
    expect(result.pruned).toContain('v1/Service/t-flagger-direct/asr');
    expect(await stored(api, serviceRef(env.namespace, 'asr'))).toBeUndefined();
    // …and the Deployment, which loses spec.replicas, drops to 1 before Flagger has copied it.
    expect((await stored(api, deploymentRef(env.namespace, 'asr')))!.spec.replicas).toBe(1);
  });

  it(title('a model moved to another GPU pool: its pods restart one by one onto the new pool; nothing immutable changes'), async (ctx) => {
    if (skip) return ctx.skip(skip);
    const env: EnvironmentOptions = { namespace: 't-pool' };
    const c = new TransitionCase(api);
    await c.step(env, { asr: model('  gpuPool: t4\n  replicas: 2\n') });
    const before = (await stored(api, deploymentRef(env.namespace, 'asr')))!;
    const moved = await c.step(env, { asr: model('  gpuPool: a100\n  replicas: 2\n') });
    expect(classes(moved.transitions)).toEqual(['disruptive: model asr: the pods of asr change onto GPU pool a100']);
    expect(moved.transitions[0]!.effect).toContain('pods restart one by one');
    expect(moved.sync.refused).toEqual([]);
    const after = (await stored(api, deploymentRef(env.namespace, 'asr')))!;
    expect(after.spec.template.spec.nodeSelector).toEqual({ 'gpu.example.com/model': 'a100' });
    expect(after.spec.selector).toEqual(before.spec.selector);
    expect(after.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
    expect(after.spec.replicas).toBe(2);
  });

  it(title("a model's canary added, promoted and removed: Istio never routes to a subset that is gone, at any moment of any sync"), async (ctx) => {
    if (skip) return ctx.skip(skip);
    const env: EnvironmentOptions = { namespace: 't-canary' };
    const ns = env.namespace;
    const c = new TransitionCase(api, (step) => routesResolve(ns, step));
    const stable = (release: string, canary = '') => ({ asr: model(`  replicas: 2\n${canary}`, release) });
    const canary = (weight: number, release = 'v2') => `  canary:\n    repository: s3://models/asr/${release}\n    weight: ${weight}\n`;
    await c.step(env, stable('v1'));

    expect(classes(c.judge(env, stable('v1', canary(10))))).toEqual(['two-steps: model asr: canary added with weight 10%']);
    const added = await c.step(env, stable('v1', canary(0)));
    expect(classes(added.transitions)).toEqual(['safe: model asr: canary added']);
    expect(await stored(api, deploymentRef(ns, 'asr-canary'))).toBeDefined();
    expect(JSON.stringify((await stored(api, virtualServiceRef(ns, 'asr')))!.spec)).not.toContain('"canary"');

    const weighted = await c.step(env, stable('v1', canary(10)));
    expect(classes(weighted.transitions)).toEqual(['safe: model asr: canary traffic 0% → 10%']);
    expect((await stored(api, virtualServiceRef(ns, 'asr')))!.spec.http[0].route.map((r: Record<string, any>) => [r.destination.subset, r.weight])).toEqual([
      ['stable', 90],
      ['canary', 10],
    ]);

    // Promoting a canary that still gets traffic: refused; drain it first.
    expect(classes(c.judge(env, stable('v2')))).toEqual([
      'disruptive: model asr: the pods of asr change',
      'two-steps: model asr: canary promoted while it still gets traffic',
    ]);
    await c.step(env, stable('v1', canary(0)));
    const promoted = await c.step(env, stable('v2'));
    expect(classes(promoted.transitions)).toEqual(['disruptive: model asr: the pods of asr change', 'safe: model asr: canary promoted']);
    expect(promoted.sync.pruned).toContain('apps/Deployment/t-canary/asr-canary');
    expect((await stored(api, destinationRuleRef(ns, 'asr')))!.spec.subsets.map((s: { name: string }) => s.name)).toEqual(['stable']);

    // A canary removed without promotion, once unrouted.
    await c.step(env, stable('v2', canary(0, 'v3')));
    const removed = await c.step(env, stable('v2'));
    expect(classes(removed.transitions)).toEqual(['safe: model asr: canary removed']);
    expect(await stored(api, deploymentRef(ns, 'asr-canary'))).toBeUndefined();
  });

  it(title("a Deployment's selector is never changed by a render: the server refuses it (shown), and no spec change makes one"), async (ctx) => {
    if (skip) return ctx.skip(skip);
    const env: EnvironmentOptions = { namespace: 't-selector' };
    const base = render(env, { asr: model('  gpuPool: t4\n  replicas: 2\n') });
    const flux = new FluxSync(api);
    expect((await flux.sync(base.objects)).refused).toEqual([]);

    // What a render that changed the selector would meet: the server's refusal, and Flux's whole stage fails.
    const relabel = (o: Record<string, any>) =>
      o.kind !== 'Deployment'
        ? o
        : {
            ...o,
            spec: {
              ...o.spec,
              selector: { matchLabels: { ...o.spec.selector.matchLabels, pool: 't4' } },
              template: { ...o.spec.template, metadata: { ...o.spec.template.metadata, labels: { ...o.spec.template.metadata.labels, pool: 't4' } } },
            },
          };
    const refused = await flux.sync(base.objects.map(relabel) as KubeObject[]);
    expect(refused.refused).toEqual([expect.stringMatching(/^apps\/Deployment\/t-selector\/asr: .*spec\.selector: Invalid value: .*field is immutable/)]);
    const judged = classify(base, { ...base, files: base.files.map((f) => ({ ...f, objects: f.objects.map(relabel) })) });
    expect(classes(judged)).toContain('two-steps: model asr: Deployment asr: spec.selector changes');

    // Every kind of spec change keeps every selector, and the server takes each as Flux applies it.
    const variants = [
      '  gpuPool: a100\n  replicas: 2\n',
      '  gpuPool: t4\n  replicas: 5\n  startupTimeoutSeconds: 1800\n  env: { X: "1" }\n',
      '  gpuPool: t4\n  replicas: 2\n  canary:\n    image: nvcr.io/nvidia/tritonserver:24.11-py3\n    weight: 0\n',
      '  gpuPool: t4\n  replicas: 2\n  handover: true\n  autoscaling: { minReplicas: 1, maxReplicas: 4, triggers: { queueTimeMs: 50 } }\n',
      '  gpuPool: t4\n  replicas: 2\n  auth: { required: false }\n  traffic: { timeout: 10s }\n',
    ];
    const selectors = (objects: readonly KubeObject[]) =>
      Object.fromEntries(
        objects.filter((o) => o.kind === 'Deployment').map((o) => [o.metadata.name, JSON.stringify((o as Record<string, any>).spec.selector)]),
      );
    const baseSelectors = selectors(base.objects);
    for (const body of variants) {
      const next = render(env, { asr: model(body) });
      for (const [name, selector] of Object.entries(selectors(next.objects))) if (baseSelectors[name]) expect(selector, body).toBe(baseSelectors[name]);
      expect(
        classes(classify(base, next)).filter((t) => t.includes('selector')),
        body,
      ).toEqual([]);
      const variantFlux = new FluxSync(api);
      await variantFlux.sync(base.objects);
      expect((await variantFlux.sync(next.objects)).refused, body).toEqual([]);
    }
  });

  it(
    title("the SFS share's size changes in place and a new server is a new volume and claim: the server takes both (a volume's source is immutable)"),
    async (ctx) => {
      if (skip) return ctx.skip(skip);
      const share = { server: '10.0.0.2', path: '/shares/cache', size: '100Gi' };
      const env = (sfs: typeof share): EnvironmentOptions => ({ namespace: 't-sfs', sfs });
      const models = { asr: model('  replicas: 2\n  cache: sfs\n') };
      const c = new TransitionCase(api);
      await c.step(env(share), models);
      const [pv] = await names(undefined, 'v1', 'PersistentVolume').then((all) => all.filter((n) => n.startsWith('t-sfs-')));

      const bigger = await c.step(env({ ...share, size: '200Gi' }), models);
      expect(classes(bigger.transitions)).toEqual(['safe: environment: SFS share size or mount options']);
      expect(bigger.sync.refused).toEqual([]);
      expect((await stored(api, { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: pv! } }))!.spec.capacity.storage).toBe('200Gi');

      const moved = await c.step(env({ ...share, size: '200Gi', server: '10.0.0.3' }), models);
      expect(classes(moved.transitions)).toEqual([
        'disruptive: environment: SFS share 10.0.0.2:/shares/cache → 10.0.0.3:/shares/cache',
        'disruptive: model asr: the pods of asr change',
      ]);
      expect(moved.sync.refused).toEqual([]);
      const volumes = (await names(undefined, 'v1', 'PersistentVolume')).filter((n) => n.startsWith('t-sfs-'));
      const claims = await names('t-sfs', 'v1', 'PersistentVolumeClaim');
      expect(volumes).toHaveLength(2); // the old pair stays: never pruned
      expect(claims).toHaveLength(2);
      const claim = (await stored(api, deploymentRef('t-sfs', 'asr')))!.spec.template.spec.volumes.find((v: Record<string, any>) => v.name === 'model-cache')
        .persistentVolumeClaim.claimName;
      const newVolume = volumes.find((v) => v !== pv)!;
      expect((await stored(api, { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: newVolume } }))!.spec).toMatchObject({
        nfs: { server: '10.0.0.3' },
        claimRef: { name: claim },
      });
    },
  );

  it(title('a model removed: its objects are deleted, the others untouched; a model under Flagger analysis is refused until analysis is off'), async (ctx) => {
    if (skip) return ctx.skip(skip);
    const env: EnvironmentOptions = { namespace: 't-removed' };
    const c = new TransitionCase(api);
    await c.step(env, { asr: model('  replicas: 2\n'), tts: model('  replicas: 1\n') });
    const asrBefore = (await stored(api, deploymentRef(env.namespace, 'asr')))!.metadata.resourceVersion;
    const removed = await c.step(env, { asr: model('  replicas: 2\n') });
    expect(classes(removed.transitions)).toEqual(['disruptive: model tts: removed']);
    expect(removed.transitions[0]!.effect).toContain('callers of tts.t-removed.svc');
    expect(removed.sync.pruned.filter((k) => k.endsWith('/tts')).sort()).toEqual([
      'apps/Deployment/t-removed/tts',
      'monitoring.coreos.com/PodMonitor/t-removed/tts',
      'networking.istio.io/DestinationRule/t-removed/tts',
      'networking.istio.io/VirtualService/t-removed/tts',
      'policy/PodDisruptionBudget/t-removed/tts',
      'security.istio.io/PeerAuthentication/t-removed/tts',
      'v1/Service/t-removed/tts',
      'v1/ServiceAccount/t-removed/tts',
    ]);
    expect((await stored(api, deploymentRef(env.namespace, 'asr')))!.metadata.resourceVersion).toBe(asrBefore);

    const flagged = render(env, { asr: model('  replicas: 2\n  canary:\n    analysis: {}\n') });
    expect(classes(classify(flagged, render(env, {})))).toEqual(['two-steps: model asr: removed while under Flagger analysis']);
  });

  it(
    title("the environment's namespace changed: an outage, said as such; the new namespace gets everything, the old keeps only what is never pruned"),
    async (ctx) => {
      if (skip) return ctx.skip(skip);
      const share = { server: '10.0.0.2', path: '/shares/cache', size: '100Gi' };
      const models = { asr: model('  replicas: 2\n  cache: sfs\n') };
      const c = new TransitionCase(api);
      await c.step({ namespace: 't-ns-a', sfs: share }, models);
      const moved = await c.step({ namespace: 't-ns-b', sfs: share }, models);
      expect(classes(moved.transitions)).toEqual(['disruptive: environment: namespace t-ns-a → t-ns-b']);
      expect(moved.transitions[0]!.effect).toMatch(/^outage: /);
      expect(moved.transitions[0]!.effect).toContain('Create the S3 credentials Secret "s3-model-reader" in t-ns-b');
      expect(moved.sync.refused).toEqual([]);
      expect(await stored(api, deploymentRef('t-ns-b', 'asr'))).toBeDefined();
      expect(await stored(api, deploymentRef('t-ns-a', 'asr'))).toBeUndefined();
      expect(await names(undefined, 'v1', 'Namespace')).toEqual(expect.arrayContaining(['t-ns-a', 't-ns-b']));
      expect(await names('t-ns-a', 'v1', 'PersistentVolumeClaim')).toHaveLength(1);
      expect(await names('t-ns-b', 'v1', 'PersistentVolumeClaim')).toHaveLength(1);
    },
  );

  it(
    title("callers and streaming: a namespace taken out narrows the model's policy, the last deletes it; streaming takes the routes' timeout off, and back"),
    async (ctx) => {
      if (skip) return ctx.skip(skip);
      const env: EnvironmentOptions = { namespace: 't-serving' };
      const c = new TransitionCase(api);
      const policy = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'asr-callers', namespace: env.namespace } };
      const admitted = async () => (await stored(api, policy))?.spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values as string[] | undefined;
      const timeouts = async () =>
        ((await stored(api, virtualServiceRef(env.namespace, 'asr')))!.spec.http as Record<string, any>[]).map((r) => r.timeout as string | undefined);

      expect((await c.step(env, { asr: model('  callers: { namespaces: [search, batch] }\n') })).sync.refused).toEqual([]);
      expect(await admitted()).toEqual(['search', 'batch']);
      expect(await timeouts()).toEqual(['60s']);

      const narrower = await c.step(env, { asr: model('  callers: { namespaces: [search] }\n  traffic: { streaming: true }\n') });
      expect(classes(narrower.transitions)).toEqual(['disruptive: model asr: callers from batch removed', 'safe: model asr: streaming turned on']);
      expect(narrower.sync.refused).toEqual([]);
      expect(await admitted()).toEqual(['search']);
      // Server-side apply removes a field its only owner dropped: the stored routes have no timeout left.
      expect(await timeouts()).toEqual([undefined]);

      const none = await c.step(env, { asr: model('') });
      expect(classes(none.transitions)).toEqual(['disruptive: model asr: callers from search removed', 'disruptive: model asr: streaming turned off']);
      expect(none.sync.refused).toEqual([]);
      expect(none.sync.pruned).toContain('networking.k8s.io/NetworkPolicy/t-serving/asr-callers');
      expect(await admitted()).toBeUndefined();
      expect(await timeouts()).toEqual(['60s']);
    },
  );
});
