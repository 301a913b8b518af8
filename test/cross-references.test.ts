import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nonEmpty } from './support/non-empty.ts';
import { parsedObjects, renderBundled, renderedBundledWorkspace } from './support/workspace.ts';

type Obj = Record<string, any>;
const rendered = parsedObjects(renderBundled());
/** The same specs written out by `tritonops synth`: the repository a Kustomization's path points into. */
const written = await renderedBundledWorkspace('cross-references');
afterAll(written.remove);
const objects = rendered.map((r) => r.object as Obj);
const ofKind = (kind: string) => objects.filter((o) => o.kind === kind);
const envOf = (o: Obj) => o.metadata.labels?.['tritonops.dev/environment'];
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
const podsOf = (namespace: string, env: string) => ofKind('Deployment').filter((d) => d.metadata.namespace === namespace && envOf(d) === env);

describe('cross references between rendered objects hold', () => {
  it('every Service selects the pods of a Deployment, on ports the pods expose', () => {
    expect(ofKind('Service').length).toBeGreaterThan(0);
    for (const svc of ofKind('Service')) {
      const targets = podsOf(svc.metadata.namespace, envOf(svc)).filter((d) => matches(svc.spec.selector, d.spec.template.metadata.labels));
      expect(targets, `${svc.metadata.name} selects nothing`).not.toHaveLength(0);
      for (const d of targets) {
        const portNames = d.spec.template.spec.containers.flatMap((c: Obj) => c.ports.map((p: Obj) => p.name));
        for (const port of svc.spec.ports) expect(portNames).toContain(port.targetPort);
      }
    }
  });

  it('every Service exposes the metrics port 8002 next to http 8000 and grpc 8001', () => {
    for (const svc of nonEmpty(ofKind('Service'), 'Services')) {
      expect(svc.spec.ports.map((p: Obj) => [p.name, p.port])).toEqual([
        ['http', 8000],
        ['grpc', 8001],
        ['metrics', 8002],
      ]);
    }
  });

  it("every Deployment's selector matches its own pod template, and a PodDisruptionBudget selects exactly it", () => {
    for (const d of nonEmpty(ofKind('Deployment'), 'Deployments')) {
      expect(matches(d.spec.selector.matchLabels, d.spec.template.metadata.labels)).toBe(true);
      const pdbs = ofKind('PodDisruptionBudget').filter(
        (p) => p.metadata.namespace === d.metadata.namespace && envOf(p) === envOf(d) && matches(p.spec.selector.matchLabels, d.spec.template.metadata.labels),
      );
      expect(pdbs.map((p) => p.metadata.name)).toEqual([d.metadata.name]);
    }
  });

  it("every model's PodMonitor's port exists on the pods it selects", () => {
    const modelMonitors = ofKind('PodMonitor').filter((pm) => pm.metadata.labels['tritonops.dev/model']);
    expect(modelMonitors.length).toBe(ofKind('ServiceAccount').length);
    for (const pm of nonEmpty(modelMonitors, "models' PodMonitors")) {
      const targets = podsOf(pm.metadata.namespace, envOf(pm)).filter((d) => matches(pm.spec.selector.matchLabels, d.spec.template.metadata.labels));
      expect(targets).not.toHaveLength(0);
      // Istio injects its sidecar, with Envoy's metrics port, into the pods of namespaces labelled
      // for injection, unless a pod opts out.
      const injected = ofKind('Namespace').some(
        (n) => n.metadata.name === pm.metadata.namespace && envOf(n) === envOf(pm) && n.metadata.labels['istio-injection'] === 'enabled',
      );
      for (const d of targets) {
        const sidecar = injected && d.spec.template.metadata.annotations?.['sidecar.istio.io/inject'] !== 'false' ? ['http-envoy-prom'] : [];
        const portNames = [...d.spec.template.spec.containers.flatMap((c: Obj) => c.ports.map((p: Obj) => p.name)), ...sidecar];
        for (const endpoint of pm.spec.podMetricsEndpoints) expect(portNames).toContain(endpoint.port);
      }
    }
  });

  it('every pod uses its own ServiceAccount and a claim that is rendered in its environment', () => {
    for (const d of nonEmpty(ofKind('Deployment'), 'Deployments')) {
      const pod = d.spec.template.spec;
      expect(
        ofKind('ServiceAccount').some(
          (sa) => sa.metadata.name === pod.serviceAccountName && sa.metadata.namespace === d.metadata.namespace && envOf(sa) === envOf(d),
        ),
      ).toBe(true);
      for (const v of pod.volumes.filter((v: Obj) => v.persistentVolumeClaim)) {
        const claim = ofKind('PersistentVolumeClaim').find((c) => c.metadata.name === v.persistentVolumeClaim.claimName && envOf(c) === envOf(d));
        expect(claim, `${d.metadata.name}: claim ${v.persistentVolumeClaim.claimName}`).toBeDefined();
        const volume = ofKind('PersistentVolume').find((pv) => pv.metadata.name === claim!.spec.volumeName);
        expect(volume?.spec.claimRef).toMatchObject({ name: claim!.metadata.name, namespace: claim!.metadata.namespace });
      }
    }
  });

  it('every Flux Kustomization path exists in the rendered repository and every dependsOn names a Kustomization of the same cluster', () => {
    const kustomizations = nonEmpty(ofKind('Kustomization'), 'Kustomizations');
    // Per cluster: the cluster's own, the infrastructure, the environment, the retired `models`,
    // and one per model and pipeline server.
    for (const env of new Set(kustomizations.map(envOf))) {
      const names = kustomizations.filter((k) => envOf(k) === env).map((k) => k.metadata.name as string);
      expect(names.filter((n) => !/^(model|pipeline)-/.test(n)).sort(), env).toEqual(['cluster', 'environment', 'infrastructure', 'models']);
      expect(names.filter((n) => /^(model|pipeline)-/.test(n)).length, env).toBeGreaterThan(0);
    }
    for (const k of kustomizations) {
      expect(existsSync(join(written.path, k.spec.path)), k.spec.path).toBe(true);
      const sameCluster = kustomizations.filter((o) => envOf(o) === envOf(k)).map((o) => o.metadata.name);
      for (const dep of k.spec.dependsOn ?? []) expect(sameCluster).toContain(dep.name);
      const source = ofKind('GitRepository').find((g) => g.metadata.name === k.spec.sourceRef.name && envOf(g) === envOf(k));
      expect(source?.metadata.namespace).toBe(k.metadata.namespace);
    }
  });

  it('every HelmRelease references a HelmRepository of its cluster, and its dependsOn exists', () => {
    for (const hr of nonEmpty(ofKind('HelmRelease'), 'HelmReleases')) {
      const ref = hr.spec.chart.spec.sourceRef;
      expect(ofKind('HelmRepository').some((r) => r.metadata.name === ref.name && r.metadata.namespace === ref.namespace && envOf(r) === envOf(hr))).toBe(true);
      expect(hr.spec.chart.spec.version).toMatch(/^v?\d+\.\d+\.\d+$/);
      for (const dep of hr.spec.dependsOn ?? []) {
        expect(ofKind('HelmRelease').some((o) => o.metadata.name === dep.name && o.metadata.namespace === dep.namespace && envOf(o) === envOf(hr))).toBe(true);
      }
    }
  });

  it('every namespaced object lives in a namespace the same cluster creates', () => {
    const clusterScoped = new Set(['Namespace', 'PersistentVolume']);
    const fluxNamespace = 'flux-system';
    for (const o of nonEmpty(objects, 'rendered objects')) {
      if (clusterScoped.has(o.kind)) {
        expect(o.metadata.namespace).toBeUndefined();
        continue;
      }
      const ns = o.metadata.namespace;
      expect(ns, `${o.kind}/${o.metadata.name}`).toBeDefined();
      if (ns === fluxNamespace) continue;
      expect(
        ofKind('Namespace').some((n) => n.metadata.name === ns && envOf(n) === envOf(o)),
        `${o.kind}/${o.metadata.name} in ${ns}`,
      ).toBe(true);
    }
  });

  const fqdnOf = (svc: Obj) => `${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local`;
  const destinationsOf = (vs: Obj): Obj[] => vs.spec.http.flatMap((r: Obj) => [...r.route.map((d: Obj) => d.destination), ...(r.mirror ? [r.mirror] : [])]);

  it('every VirtualService destination host is a Service of the same environment, on a port it exposes', () => {
    expect(ofKind('VirtualService').length).toBeGreaterThan(0);
    for (const vs of ofKind('VirtualService')) {
      for (const dest of destinationsOf(vs)) {
        const svc = ofKind('Service').find((s) => fqdnOf(s) === dest.host && envOf(s) === envOf(vs));
        expect(svc, `${vs.metadata.name} -> ${dest.host}`).toBeDefined();
        if (dest.port) expect(svc!.spec.ports.map((p: Obj) => p.port)).toContain(dest.port.number);
      }
    }
  });

  it("every subset exists in the host's DestinationRule and selects the pods of exactly one track's Deployment", () => {
    for (const vs of nonEmpty(ofKind('VirtualService'), 'VirtualServices')) {
      for (const dest of destinationsOf(vs)) {
        const dr = ofKind('DestinationRule').find((d) => d.spec.host === dest.host && envOf(d) === envOf(vs));
        expect(dr, dest.host).toBeDefined();
        const subset = dr!.spec.subsets.find((s: Obj) => s.name === dest.subset);
        expect(subset, `${dest.host} subset ${dest.subset}`).toBeDefined();
        const svc = ofKind('Service').find((s) => fqdnOf(s) === dest.host && envOf(s) === envOf(vs))!;
        const selected = podsOf(svc.metadata.namespace, envOf(svc)).filter((d) =>
          matches({ ...svc.spec.selector, ...subset.labels }, d.spec.template.metadata.labels),
        );
        expect(
          selected.map((d) => d.metadata.name),
          `${dest.host} subset ${dest.subset}`,
        ).toHaveLength(1);
      }
    }
  });

  it('the weights of every route sum to 100', () => {
    for (const vs of nonEmpty(ofKind('VirtualService'), 'VirtualServices')) {
      for (const route of vs.spec.http) {
        const total = route.route.reduce((sum: number, d: Obj) => sum + (d.weight ?? (route.route.length === 1 ? 100 : 0)), 0);
        expect(total, `${vs.metadata.name}/${route.name}`).toBe(100);
      }
    }
  });

  it('every VirtualService bound to a gateway names a Gateway of the same environment whose hosts cover it', () => {
    for (const vs of nonEmpty(ofKind('VirtualService'), 'VirtualServices')) {
      for (const ref of vs.spec.gateways.filter((g: string) => g !== 'mesh')) {
        const [ns, name] = ref.split('/');
        const gw = ofKind('Gateway').find((g) => g.metadata.name === name && g.metadata.namespace === ns && envOf(g) === envOf(vs));
        expect(gw, ref).toBeDefined();
        const gwHosts: string[] = gw!.spec.servers.flatMap((s: Obj) => s.hosts);
        for (const host of vs.spec.hosts)
          expect(
            gwHosts.some((h) => h === host || (h.startsWith('*.') && host.endsWith(h.slice(1)))),
            host,
          ).toBe(true);
      }
    }
  });

  it('Flagger-owned models have no Service, VirtualService or DestinationRule made by tritonops, and their references resolve', () => {
    const canaries = ofKind('Canary');
    expect(canaries.length).toBeGreaterThan(0);
    for (const canary of canaries) {
      const env = envOf(canary);
      const name = canary.spec.targetRef.name;
      const sameEnv = (o: Obj) => envOf(o) === env && o.metadata.namespace === canary.metadata.namespace;
      expect(ofKind('Deployment').filter((d) => sameEnv(d) && d.metadata.name === name)).toHaveLength(1);
      for (const kind of ['Service', 'VirtualService', 'DestinationRule']) {
        const owned = ofKind(kind).filter(
          (o) => sameEnv(o) && (o.metadata.name === name || o.metadata.name.startsWith(`${name}-`) || o.spec?.host?.startsWith(`${name}.`)),
        );
        expect(owned.map((o) => `${kind}/${o.metadata.name}`)).toEqual([]);
      }
      for (const metric of canary.spec.analysis.metrics) {
        expect(ofKind('MetricTemplate').some((t) => sameEnv(t) && t.metadata.name === metric.templateRef.name)).toBe(true);
      }
    }
  });

  it('every Istio policy selects the pods of at least one Deployment', () => {
    for (const policy of nonEmpty(
      [...ofKind('AuthorizationPolicy'), ...ofKind('PeerAuthentication').filter((p) => p.spec.selector)],
      'Istio policies with a selector',
    )) {
      const selected = podsOf(policy.metadata.namespace, envOf(policy)).filter((d) =>
        matches(policy.spec.selector.matchLabels, d.spec.template.metadata.labels),
      );
      expect(selected.length, `${policy.kind}/${policy.metadata.name}`).toBeGreaterThan(0);
    }
  });
});
