import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsedObjects, renderBundled, REPO_ROOT } from './support/workspace.ts';

type Obj = Record<string, any>;
const rendered = parsedObjects(renderBundled());
const objects = rendered.map((r) => r.object as Obj);
const ofKind = (kind: string) => objects.filter((o) => o.kind === kind);
const envOf = (o: Obj) => o.metadata.labels?.['tritonops.dev/environment'];
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
const podsOf = (namespace: string, env: string) =>
  ofKind('Deployment').filter((d) => d.metadata.namespace === namespace && envOf(d) === env);

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
    for (const svc of ofKind('Service')) {
      expect(svc.spec.ports.map((p: Obj) => [p.name, p.port])).toEqual([['http', 8000], ['grpc', 8001], ['metrics', 8002]]);
    }
  });

  it("every Deployment's selector matches its own pod template, and a PodDisruptionBudget selects exactly it", () => {
    for (const d of ofKind('Deployment')) {
      expect(matches(d.spec.selector.matchLabels, d.spec.template.metadata.labels)).toBe(true);
      const pdbs = ofKind('PodDisruptionBudget').filter(
        (p) => p.metadata.namespace === d.metadata.namespace && envOf(p) === envOf(d) && matches(p.spec.selector.matchLabels, d.spec.template.metadata.labels),
      );
      expect(pdbs.map((p) => p.metadata.name)).toEqual([d.metadata.name]);
    }
  });

  it("every PodMonitor's port exists on the pods it selects", () => {
    expect(ofKind('PodMonitor').length).toBe(ofKind('Service').length);
    for (const pm of ofKind('PodMonitor')) {
      const targets = podsOf(pm.metadata.namespace, envOf(pm)).filter((d) => matches(pm.spec.selector.matchLabels, d.spec.template.metadata.labels));
      expect(targets).not.toHaveLength(0);
      for (const d of targets) {
        const portNames = d.spec.template.spec.containers.flatMap((c: Obj) => c.ports.map((p: Obj) => p.name));
        for (const endpoint of pm.spec.podMetricsEndpoints) expect(portNames).toContain(endpoint.port);
      }
    }
  });

  it('every pod uses its own ServiceAccount and a claim that is rendered in its environment', () => {
    for (const d of ofKind('Deployment')) {
      const pod = d.spec.template.spec;
      expect(ofKind('ServiceAccount').some((sa) => sa.metadata.name === pod.serviceAccountName && sa.metadata.namespace === d.metadata.namespace && envOf(sa) === envOf(d))).toBe(true);
      for (const v of pod.volumes.filter((v: Obj) => v.persistentVolumeClaim)) {
        const claim = ofKind('PersistentVolumeClaim').find((c) => c.metadata.name === v.persistentVolumeClaim.claimName && envOf(c) === envOf(d));
        expect(claim, `${d.metadata.name}: claim ${v.persistentVolumeClaim.claimName}`).toBeDefined();
        const volume = ofKind('PersistentVolume').find((pv) => pv.metadata.name === claim!.spec.volumeName);
        expect(volume?.spec.claimRef).toMatchObject({ name: claim!.metadata.name, namespace: claim!.metadata.namespace });
      }
    }
  });

  it('every Flux Kustomization path exists in the repository and every dependsOn names a Kustomization of the same cluster', () => {
    const kustomizations = ofKind('Kustomization');
    expect(kustomizations.length).toBe(3 * 3);
    for (const k of kustomizations) {
      expect(existsSync(join(REPO_ROOT, k.spec.path)), k.spec.path).toBe(true);
      const sameCluster = kustomizations.filter((o) => envOf(o) === envOf(k)).map((o) => o.metadata.name);
      for (const dep of k.spec.dependsOn ?? []) expect(sameCluster).toContain(dep.name);
      const source = ofKind('GitRepository').find((g) => g.metadata.name === k.spec.sourceRef.name && envOf(g) === envOf(k));
      expect(source?.metadata.namespace).toBe(k.metadata.namespace);
    }
  });

  it('every HelmRelease references a HelmRepository of its cluster, and its dependsOn exists', () => {
    for (const hr of ofKind('HelmRelease')) {
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
    for (const o of objects) {
      if (clusterScoped.has(o.kind)) {
        expect(o.metadata.namespace).toBeUndefined();
        continue;
      }
      const ns = o.metadata.namespace;
      expect(ns, `${o.kind}/${o.metadata.name}`).toBeDefined();
      if (ns === fluxNamespace) continue;
      expect(ofKind('Namespace').some((n) => n.metadata.name === ns && envOf(n) === envOf(o)), `${o.kind}/${o.metadata.name} in ${ns}`).toBe(true);
    }
  });
});
