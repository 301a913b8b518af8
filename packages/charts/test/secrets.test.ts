/**
 * Secrets in the rendered output: `secretEnv` as `secretKeyRef` on every track's Triton container
 * (never on the model-sync init container), one ExternalSecret per declared Secret, and the SOPS
 * Secrets copied into flux/ with the Kustomization that decrypts them — each validated against the
 * upstream schema of its kind.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Kustomization } from '@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1';
import { ExternalSecret } from '@kubernetes-models/external-secrets/external-secrets.io/v1';
import { planRepository, type EnvironmentPlan } from '@tritonops/planner';
import { renderEnvironment } from '../src/index.ts';
import { ENVIRONMENT, model } from './plans.ts';

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };

const CIPHER =
  'ENC[AES256_GCM,data:q0Wd8m5Vb4z3Zk2Qn7rT1yXc9uLh6sPe0A==,iv:3J8kq9Zx1LmN4pQr7StUvWxYz0AbCdEfGhIjKlMnOpQ=,tag:Xy1Zw2Vu3Ts4Rq5Po6Nm7A==,type:str]';
const MAC =
  'ENC[AES256_GCM,data:Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFy,iv:AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfG=,tag:QrStUvWxYz0123456789Aa==,type:str]';
const HF_FILE = `# the Hugging Face token of the speech team
apiVersion: v1
kind: Secret
metadata:
    name: hf-token
type: Opaque
stringData:
    token: ${CIPHER}
sops:
    age:
        - recipient: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
          enc: |
            -----BEGIN AGE ENCRYPTED FILE-----
            YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBkN2VZUmRaV1Z0bk1CZ1pN
            -----END AGE ENCRYPTED FILE-----
    lastmodified: "2026-11-20T10:00:00Z"
    mac: ${MAC}
    encrypted_regex: ^(data|stringData)$
    version: 3.9.4
`;

/** The charts' test environment, declaring `hf-token` and `wandb` (with a remote key for external-secrets). */
const withSecrets = (delivery: string, extra = '') =>
  `${ENVIRONMENT}  secrets:\n    delivery: ${delivery}\n${extra}    declared:\n      hf-token: { keys: [token] }\n      wandb: { keys: [api-key, entity]${delivery === 'external-secrets' ? ', remoteKey: ml/wandb' : ''} }\n`;

const WHISPER =
  '  gpuPool: t4\n  cache: sfs\n  env: { HF_HUB_OFFLINE: "1" }\n  secretEnv:\n    WANDB_API_KEY: { secret: wandb, key: api-key }\n    HF_TOKEN: { secret: hf-token, key: token }\n  canary: { repository: s3://models/whisper/v2, weight: 10 }\n';

function planned(environment: string, models: Record<string, string>, secretFiles: Record<string, string> = {}): EnvironmentPlan {
  const root = mkdtempSync(join(tmpdir(), 'tritonops-charts-secrets-'));
  try {
    const files: Record<string, string> = {
      'environments/test/environment.yaml': environment,
      ...Object.fromEntries(Object.entries(models).map(([name, spec]) => [`environments/test/models/${name}.yaml`, model(name, spec)])),
      ...Object.fromEntries(Object.entries(secretFiles).map(([name, text]) => [`environments/test/secrets/${name}.yaml`, text])),
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const result = planRepository({ root, displayBase: root });
    if (result.hasErrors) throw new Error(result.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`).join('\n'));
    return result.plans[0]!;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function objectsOf(plan: EnvironmentPlan, path: string): Obj[] {
  const file = renderEnvironment(plan).find((f) => f.path === path);
  if (!file) throw new Error(`no ${path}`);
  return file.objects as Obj[];
}

describe('secretEnv on the Triton container', () => {
  it('renders secretKeyRef after the plain variables, sorted, on the stable and the canary track, not on model-sync', () => {
    const plan = planned(withSecrets('out-of-band'), { whisper: WHISPER });
    const deployments = objectsOf(plan, 'flux/models/test/models/whisper/whisper.yaml').filter((o) => o.kind === 'Deployment');
    expect(deployments.map((d) => d.metadata.name)).toEqual(['whisper', 'whisper-canary']);
    for (const deployment of deployments) {
      const pod = (
        deployment as unknown as {
          spec: { template: { spec: { containers: { name: string; env: unknown[] }[]; initContainers: { name: string; env?: { name: string }[] }[] } } };
        }
      ).spec.template.spec;
      const triton = pod.containers.find((c) => c.name === 'triton')!;
      expect(triton.env).toEqual([
        { name: 'HF_HOME', value: '/var/cache/huggingface' },
        { name: 'HF_HUB_OFFLINE', value: '1' },
        { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf-token', key: 'token' } } },
        { name: 'WANDB_API_KEY', valueFrom: { secretKeyRef: { name: 'wandb', key: 'api-key' } } },
      ]);
      // The init container copies from S3 with the S3 keys only: it gets no model Secret.
      expect(JSON.stringify(pod.initContainers)).not.toMatch(/hf-token|wandb/);
    }
  });

  it('renders nothing for out-of-band delivery', () => {
    const paths = renderEnvironment(planned(withSecrets('out-of-band'), { whisper: WHISPER })).map((f) => f.path);
    expect(paths.filter((p) => /secrets/.test(p))).toEqual([]);
  });
});

describe('external-secrets', () => {
  const plan = planned(withSecrets('external-secrets', '    store: vault\n    refreshInterval: 30m\n'), { whisper: WHISPER });

  it('renders one ExternalSecret per declared Secret into the environment folder, valid for its upstream schema', () => {
    const objects = objectsOf(plan, 'flux/models/test/environment/secrets.yaml');
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ExternalSecret/hf-token', 'ExternalSecret/wandb']);
    for (const object of objects) expect(() => new ExternalSecret(object as never).validate()).not.toThrow();
    expect(objects[1]).toMatchObject({
      apiVersion: 'external-secrets.io/v1',
      metadata: { name: 'wandb', namespace: 'inference' },
      spec: {
        secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
        refreshInterval: '30m',
        target: { name: 'wandb', creationPolicy: 'Owner' },
        data: [
          { secretKey: 'api-key', remoteRef: { key: 'ml/wandb', property: 'api-key' } },
          { secretKey: 'entity', remoteRef: { key: 'ml/wandb', property: 'entity' } },
        ],
      },
    });
    expect((objects[0]!.spec as { data: unknown[] }).data).toEqual([{ secretKey: 'token', remoteRef: { key: 'hf-token', property: 'token' } }]);
  });

  it('the ExternalSecret schema does reject a broken object (so the check above can fail)', () => {
    const broken = structuredClone(objectsOf(plan, 'flux/models/test/environment/secrets.yaml')[0]!) as unknown as {
      spec: { secretStoreRef: { kind: string } };
    };
    broken.spec.secretStoreRef.kind = 'VaultStore';
    expect(() => new ExternalSecret(broken as never).validate()).toThrow(/kind/);
  });

  it('keeps the models depending on `environment` only, which applies the ExternalSecrets', () => {
    const [kustomization] = objectsOf(plan, 'flux/clusters/test/models/whisper.yaml');
    expect((kustomization!.spec as { dependsOn: unknown }).dependsOn).toEqual([{ name: 'environment' }]);
  });
});

describe('sops', () => {
  const SOPS = withSecrets('sops', '    sops: { ageRecipients: [age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p] }\n');
  const plan = planned(
    SOPS,
    { whisper: WHISPER, plain: '' },
    {
      'hf-token': HF_FILE,
      wandb: HF_FILE.replace('name: hf-token', 'name: wandb').replace('token:', 'api-key:').replace('stringData:', `stringData:\n    entity: ${CIPHER}`),
    },
  );

  it('renders the Kustomization that decrypts them, valid for its upstream schema', () => {
    const [kustomization] = objectsOf(plan, 'flux/clusters/test/secrets.yaml');
    expect(() => new Kustomization(kustomization as never).validate()).not.toThrow();
    expect(kustomization).toMatchObject({
      metadata: { name: 'secrets', namespace: 'flux-system' },
      spec: {
        path: './flux/models/test/secrets',
        targetNamespace: 'inference',
        decryption: { provider: 'sops', secretRef: { name: 'sops-age' } },
        dependsOn: [{ name: 'environment' }],
        prune: true,
        wait: true,
      },
    });
  });

  it('copies each Secret from its parsed fields: values still encrypted, the sops block whole, comments gone', () => {
    const file = renderEnvironment(plan).find((f) => f.path === 'flux/models/test/secrets/hf-token.yaml')!;
    const [secret] = file.objects as Obj[];
    expect(secret).toMatchObject({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'hf-token', namespace: 'inference' },
      type: 'Opaque',
      stringData: { token: CIPHER },
    });
    const source = parse(HF_FILE.replace(/^#.*\n/, '')) as { sops: unknown };
    expect(secret!.sops).toEqual(source.sops);
    expect(file.content).not.toContain('speech team');
  });

  it('makes the models that read a Secret wait for them, and no other', () => {
    const dependsOn = (name: string) => (objectsOf(plan, `flux/clusters/test/models/${name}.yaml`)[0]!.spec as { dependsOn: unknown }).dependsOn;
    expect(dependsOn('whisper')).toEqual([{ name: 'environment' }, { name: 'secrets' }]);
    expect(dependsOn('plain')).toEqual([{ name: 'environment' }]);
  });

  it("copies the file's app.kubernetes.io/* labels under tritonops' own, which win", () => {
    const labelled = HF_FILE.replace(
      '    name: hf-token\n',
      '    name: hf-token\n    labels:\n        app.kubernetes.io/part-of: speech\n        app.kubernetes.io/managed-by: someone-else\n',
    );
    const wandb = HF_FILE.replace('name: hf-token', 'name: wandb').replace('token:', 'api-key:').replace('stringData:', `stringData:\n    entity: ${CIPHER}`);
    const [secret] = objectsOf(planned(SOPS, { whisper: WHISPER }, { 'hf-token': labelled, wandb }), 'flux/models/test/secrets/hf-token.yaml') as Obj[];
    expect((secret!.metadata as unknown as { labels: Record<string, string> }).labels).toMatchObject({
      'app.kubernetes.io/part-of': 'speech',
      'app.kubernetes.io/managed-by': 'tritonops',
    });
  });
});
