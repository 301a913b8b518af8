/**
 * A real kube-apiserver (1.26, with its own etcd) from ../shared/k8s-apiserver, with the real CRDs
 * of Istio, Flux, KEDA, prometheus-operator and Flagger installed: "would the cluster accept this
 * object?" asked of the cluster's own validation — defaulting, strict field validation, CRD
 * schemas and their CEL rules. No controller runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { SHARED_DIR } from './workspace.ts';

const DIR = join(SHARED_DIR, 'k8s-apiserver');

/** Why the API server cannot run here, or undefined when it can. */
export function apiServerUnavailable(): string | undefined {
  if (!existsSync(join(DIR, 'start.sh'))) return 'needs ../shared/k8s-apiserver (present in CI, not in a user clone)';
  if (!existsSync('/usr/bin/etcd')) return "needs Debian's etcd-server (.ci/run installs it)";
  return undefined;
}

type KubeObject = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };

export class ApiServer {
  private readonly resources = new Map<string, { name: string; namespaced: boolean }>();

  private constructor(
    private readonly process: ChildProcess,
    private readonly dir: string,
    readonly url: string,
    private readonly token: string,
    private readonly ca: Buffer,
  ) {}

  /** Starts the server (3–5 s), then creates every CRD and waits until each is Established. */
  static async start(): Promise<ApiServer> {
    const dir = mkdtempSync(join(tmpdir(), 'tritonops-apiserver-'));
    const envFile = join(dir, 'env');
    const child = spawn('bash', [join(DIR, 'start.sh'), envFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    for (let i = 0; !existsSync(envFile); i++) {
      if (child.exitCode !== null || i > 1200) throw new Error(`the API server did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const env = Object.fromEntries(readFileSync(envFile, 'utf8').trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));
    const server = new ApiServer(child, dir, env.APISERVER_URL!, env.APISERVER_TOKEN!, readFileSync(env.APISERVER_CA!));
    await server.installCrds();
    return server;
  }

  async stop(): Promise<void> {
    if (this.process.exitCode === null) {
      const exited = new Promise((r) => this.process.once('exit', r));
      this.process.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** One HTTP call; resolves with the status and the parsed body. */
  call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = request(
        new URL(path, this.url),
        { method, ca: this.ca, headers: { authorization: `Bearer ${this.token}`, accept: 'application/json', ...(data !== undefined ? { 'content-type': contentType } : {}) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: Record<string, unknown> = {};
            try {
              parsed = JSON.parse(text) as Record<string, unknown>;
            } catch {
              parsed = { text };
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('error', reject);
      if (data !== undefined) req.write(data);
      req.end();
    });
  }

  private async installCrds(): Promise<void> {
    const names: string[] = [];
    for (const file of readdirSync(join(DIR, 'crds')).filter((f) => f.endsWith('.yaml')).sort()) {
      for (const doc of parseAllDocuments(readFileSync(join(DIR, 'crds', file), 'utf8'))) {
        const crd = (Array.isArray(doc) ? undefined : doc.toJS()) as KubeObject | null | undefined;
        if (crd?.kind !== 'CustomResourceDefinition') continue;
        const created = await this.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
        if (created.status !== 201 && created.status !== 409) throw new Error(`CRD ${crd.metadata.name}: ${JSON.stringify(created.body)}`);
        names.push(crd.metadata.name);
      }
    }
    for (const name of names) {
      for (let i = 0; ; i++) {
        const crd = await this.call('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
        const conditions = ((crd.body.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []);
        if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) break;
        if (i > 200) throw new Error(`CRD ${name} was not Established`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** The REST resource of a kind, from the server's discovery. */
  private async resource(apiVersion: string, kind: string): Promise<{ name: string; namespaced: boolean }> {
    const key = `${apiVersion}/${kind}`;
    if (!this.resources.has(key)) {
      const list = await this.call('GET', apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
      for (const r of (list.body.resources as { name: string; kind: string; namespaced: boolean }[] | undefined) ?? []) {
        if (!r.name.includes('/')) this.resources.set(`${apiVersion}/${r.kind}`, { name: r.name, namespaced: r.namespaced });
      }
    }
    const found = this.resources.get(key);
    if (!found) throw new Error(`the API server knows no ${key}`);
    return found;
  }

  /**
   * Asks the server to apply `object` as Flux does (server-side apply, field manager
   * kustomize-controller, forced) without storing it (dryRun=All), with strict field validation:
   * an unknown field is an error. The namespace is created for real first, since a namespaced
   * object needs one. Returns the server's refusal, or undefined when it would accept the object.
   */
  async wouldAccept(object: KubeObject): Promise<string | undefined> {
    const { name, namespaced } = await this.resource(object.apiVersion, object.kind);
    const namespace = object.metadata.namespace;
    if (namespaced && namespace) await this.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    const base = object.apiVersion.includes('/') ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
    const path = `${base}${namespaced && namespace ? `/namespaces/${namespace}` : ''}/${name}/${object.metadata.name}?dryRun=All&fieldValidation=Strict&fieldManager=kustomize-controller&force=true`;
    const result = await this.call('PATCH', path, object, 'application/apply-patch+yaml');
    if (result.status === 201 || result.status === 200) return undefined;
    return `${object.kind} ${namespace ? `${namespace}/` : ''}${object.metadata.name}: ${String(result.body.message ?? JSON.stringify(result.body))}`;
  }
}
