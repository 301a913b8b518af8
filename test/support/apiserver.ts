/**
 * A real kube-apiserver (1.26, with its own etcd) from ../shared/k8s-apiserver, with the real CRDs
 * of Istio, Flux, KEDA, prometheus-operator and Flagger installed: "would the cluster accept this
 * object, and what would it store?" asked of the cluster's own code — defaulting, strict field
 * validation, server-side apply and its field ownership, immutable fields, CRD schemas and their
 * CEL rules. No controller runs (no Deployment controller, garbage collector, HPA, KEDA, Flagger
 * or Flux): tests play those parts with API calls.
 *
 * One server per test run: `apiserver-setup.ts` (vitest's global setup) starts it and provides its
 * address; tests get a client with `apiServer()`. Requests go through undici's fetch, which takes
 * the server's own CA.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { inject } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { SHARED_DIR } from './workspace.ts';

const DIR = join(SHARED_DIR, 'k8s-apiserver');

export interface ApiServerAddress {
  readonly url: string;
  readonly token: string;
  readonly ca: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    apiserver: ApiServerAddress | { unavailable: string };
  }
}

/** Why the API server cannot run here, or undefined when it can. */
export function apiServerUnavailable(): string | undefined {
  if (!existsSync(join(DIR, 'start.sh'))) return 'needs ../shared/k8s-apiserver (present in CI, not in a user clone)';
  if (!existsSync('/usr/bin/etcd')) return "needs Debian's etcd-server (.ci/run installs it)";
  return undefined;
}

export type KubeObject = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [key: string]: unknown } };

export interface Response {
  readonly status: number;
  readonly body: Record<string, any>;
}

export class ApiClient {
  private readonly agent: Agent;
  private readonly resources = new Map<string, { name: string; namespaced: boolean }>();

  constructor(private readonly address: ApiServerAddress) {
    this.agent = new Agent({ connect: { ca: address.ca } });
  }

  async call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Response> {
    const res = await fetch(new URL(path, this.address.url), {
      method,
      dispatcher: this.agent,
      headers: { authorization: `Bearer ${this.address.token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': contentType } : {}) },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: Record<string, any>;
    try {
      parsed = JSON.parse(text) as Record<string, any>;
    } catch {
      parsed = { message: text };
    }
    return { status: res.status, body: parsed };
  }

  /** The REST path of an object's collection and whether its kind is namespaced, from discovery. */
  async collection(apiVersion: string, kind: string, namespace?: string): Promise<{ path: string; namespaced: boolean }> {
    const key = `${apiVersion}/${kind}`;
    if (!this.resources.has(key)) {
      const list = await this.call('GET', apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
      for (const r of (list.body.resources as { name: string; kind: string; namespaced: boolean }[] | undefined) ?? []) {
        if (!r.name.includes('/')) this.resources.set(`${apiVersion}/${r.kind}`, { name: r.name, namespaced: r.namespaced });
      }
    }
    const found = this.resources.get(key);
    if (!found) throw new Error(`the API server knows no ${key}`);
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    return { path: `${base}${found.namespaced && namespace ? `/namespaces/${namespace}` : ''}/${found.name}`, namespaced: found.namespaced };
  }

  async pathOf(object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<string> {
    const { path } = await this.collection(object.apiVersion, object.kind, object.metadata.namespace);
    return `${path}/${object.metadata.name}`;
  }

  /**
   * Server-side apply, as Flux's kustomize-controller does it: field manager
   * `kustomize-controller`, conflicts forced, strict field validation. `dryRun` asks without
   * storing. Returns the stored (or would-be stored) object, or the server's refusal.
   */
  async apply(object: KubeObject, options: { dryRun?: boolean; fieldManager?: string; force?: boolean } = {}): Promise<Response> {
    const query = new URLSearchParams({
      fieldManager: options.fieldManager ?? 'kustomize-controller',
      force: String(options.force ?? true),
      fieldValidation: 'Strict',
    });
    if (options.dryRun) query.set('dryRun', 'All');
    return this.call('PATCH', `${await this.pathOf(object)}?${query}`, object, 'application/apply-patch+yaml');
  }

  async get(object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<Response> {
    return this.call('GET', await this.pathOf(object));
  }

  async delete(object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<Response> {
    return this.call('DELETE', await this.pathOf(object), { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' });
  }

  /** Creates a namespace (for real); an existing one is fine. */
  async ensureNamespace(name: string): Promise<void> {
    const r = await this.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    if (r.status !== 201 && r.status !== 409) throw new Error(`namespace ${name}: ${r.body.message}`);
  }

  /** Why the server would refuse to apply `object` as Flux does, or undefined when it would accept it. */
  async wouldAccept(object: KubeObject): Promise<string | undefined> {
    const { namespaced } = await this.collection(object.apiVersion, object.kind, object.metadata.namespace);
    if (namespaced && object.metadata.namespace) await this.ensureNamespace(object.metadata.namespace);
    const result = await this.apply(object, { dryRun: true });
    if (result.status === 200 || result.status === 201) return undefined;
    return `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}: ${String(result.body.message)}`;
  }

  /** Creates every CRD of ../shared/k8s-apiserver/crds and waits until each is Established. */
  async installCrds(): Promise<void> {
    const names: string[] = [];
    for (const file of readdirSync(join(DIR, 'crds'))
      .filter((f) => f.endsWith('.yaml'))
      .sort()) {
      for (const doc of parseAllDocuments(readFileSync(join(DIR, 'crds', file), 'utf8'))) {
        const crd = (Array.isArray(doc) ? undefined : doc.toJS()) as KubeObject | null | undefined;
        if (crd?.kind !== 'CustomResourceDefinition') continue;
        const created = await this.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
        if (created.status !== 201 && created.status !== 409) throw new Error(`CRD ${crd.metadata.name}: ${created.body.message}`);
        names.push(crd.metadata.name);
      }
    }
    for (const name of names) {
      for (let i = 0; ; i++) {
        const crd = await this.call('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
        const conditions = (crd.body.status?.conditions as { type: string; status: string }[] | undefined) ?? [];
        if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) break;
        if (i > 400) throw new Error(`CRD ${name} was not Established`);
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  }
}

/** Starts the server and installs the CRDs; `stop()` ends both servers and removes their data. */
export async function startApiServer(): Promise<{ address: ApiServerAddress; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'tritonops-apiserver-'));
  const envFile = join(dir, 'env');
  const child = spawn('bash', [join(DIR, 'start.sh'), envFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; !existsSync(envFile); i++) {
    if (child.exitCode !== null || i > 2400) {
      await stop();
      throw new Error(`the API server did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const env = Object.fromEntries(
    readFileSync(envFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]),
  );
  const address = { url: env.APISERVER_URL!, token: env.APISERVER_TOKEN!, ca: readFileSync(env.APISERVER_CA!, 'utf8') };
  await new ApiClient(address).installCrds();
  return { address, stop };
}

/**
 * The run's API server, or why there is none. A test skips with that reason, except in CI (`CI`
 * set) with ../shared present, where it fails: that CI must skip nothing.
 */
export function apiServer(): ApiClient | { unavailable: string } {
  const provided = inject('apiserver');
  if ('unavailable' in provided) {
    // tritonops' own CI has ../shared beside the clone and must skip nothing; a platform team's CI
    // (a clone without ../shared) skips, saying why.
    if (process.env.CI && existsSync(DIR)) throw new Error(`CI must run the API-server tests: ${provided.unavailable}`);
    return provided;
  }
  return new ApiClient(provided);
}
