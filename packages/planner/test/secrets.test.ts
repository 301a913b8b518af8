/**
 * Secrets by reference: `secretEnv` names only Secrets (and keys) the environment declares, never
 * the platform's own; the fields of each delivery; and SOPS files checked without decrypting,
 * a plaintext value refused without ever being shown.
 */
import { describe, expect, it } from 'vitest';
import { environment, model, shown, withModels, workspace } from './tiny-workspace.ts';

const declared = (delivery: string, extra = '') =>
  environment(
    'test',
    `  secrets:\n    delivery: ${delivery}\n${extra}    declared:\n      hf-token: { keys: [token] }\n      wandb: { keys: [api-key, entity] }\n`,
  );
const OUT_OF_BAND = declared('out-of-band');
const HF = '  secretEnv:\n    HF_TOKEN: { secret: hf-token, key: token }\n';

const CIPHER =
  'ENC[AES256_GCM,data:q0Wd8m5Vb4z3Zk2Qn7rT1yXc9uLh6sPe0A==,iv:3J8kq9Zx1LmN4pQr7StUvWxYz0AbCdEfGhIjKlMnOpQ=,tag:Xy1Zw2Vu3Ts4Rq5Po6Nm7A==,type:str]';
const MAC =
  'ENC[AES256_GCM,data:Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFy,iv:AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfG=,tag:QrStUvWxYz0123456789Aa==,type:str]';
const SOPS_BLOCK = `sops:
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
const sopsSecret = (name: string, body: string, sops = SOPS_BLOCK) => `apiVersion: v1
kind: Secret
metadata:
    name: ${name}
type: Opaque
${body}${sops}`;
const HF_FILE = sopsSecret('hf-token', `stringData:\n    token: ${CIPHER}\n`);
const WANDB_FILE = sopsSecret('wandb', `data:\n    api-key: ${CIPHER}\n    entity: ${CIPHER}\n`);

/** The environment `test` with delivery sops, these secret files and models. */
function sops(files: Record<string, string>, models: Record<string, string> = {}) {
  return workspace({
    'environments/test/environment.yaml': declared('sops'),
    ...Object.fromEntries(Object.entries(files).map(([name, text]) => [`environments/test/secrets/${name}`, text])),
    ...Object.fromEntries(Object.entries(models).map(([name, spec]) => [`environments/test/models/${name}.yaml`, model(name, spec)])),
  });
}

describe('secretEnv', () => {
  it('plans a declared Secret key for the model, sorted, and the environment its declarations', () => {
    const result = withModels({ whisper: `${HF}    WANDB_API_KEY: { secret: wandb, key: api-key }\n` }, OUT_OF_BAND);
    expect(shown(result)).toEqual([]);
    const plan = result.plans[0]!;
    expect(plan.models[0]!.secretEnv).toEqual({ HF_TOKEN: { secret: 'hf-token', key: 'token' }, WANDB_API_KEY: { secret: 'wandb', key: 'api-key' } });
    expect(plan.secrets).toEqual({ delivery: 'out-of-band', declared: { 'hf-token': { keys: ['token'] }, wandb: { keys: ['api-key', 'entity'] } } });
    expect(plan.sopsSecrets).toBeUndefined();
  });

  it('is not taken for an inline credential (a name of a Secret is no secret)', () => {
    expect(withModels({ whisper: HF }, OUT_OF_BAND).diagnostics.filter((d) => d.code === 'inline-secret')).toEqual([]);
  });

  it('refuses a Secret the environment does not declare, with a did-you-mean, and one it declares none of', () => {
    expect(shown(withModels({ whisper: '  secretEnv:\n    HF_TOKEN: { secret: hf-tokn, key: token }\n' }, OUT_OF_BAND))).toEqual([
      'environments/test/models/whisper.yaml:8:25: error: Secret "hf-tokn" is not declared in environments/test/environment.yaml [did you mean "hf-token"?]',
    ]);
    const none = shown(withModels({ whisper: '  secretEnv:\n    DB: { secret: postgres, key: url }\n' }, OUT_OF_BAND));
    expect(none).toHaveLength(1);
    expect(none[0]).toContain(
      'error: Secret "postgres" is not declared in environments/test/environment.yaml [a model may read only the Secrets its environment declares under `secrets.declared` (hf-token, wandb)',
    );
    expect(shown(withModels({ whisper: HF }))[0]).toContain('(none yet)');
  });

  it('refuses a key the Secret does not declare, with a did-you-mean', () => {
    expect(shown(withModels({ whisper: '  secretEnv:\n    WANDB_API_KEY: { secret: wandb, key: api_key }\n' }, OUT_OF_BAND))).toEqual([
      'environments/test/models/whisper.yaml:8:42: error: Secret "wandb" has no declared key "api_key" [did you mean "api-key"?]',
    ]);
  });

  it("refuses the environment's own S3, TLS and Git Secrets", () => {
    const env = environment('test', '  secrets: { declared: { hf-token: { keys: [token] } } }\n').replace(
      'git: { url: ssh://git@git.example.com/acme/platform.git }',
      'git: { url: ssh://git@git.example.com/acme/platform.git, secretRef: flux-git-auth }',
    );
    const result = withModels(
      {
        whisper:
          '  secretEnv:\n    S3: { secret: s3-model-reader, key: AWS_SECRET_ACCESS_KEY }\n    TLS: { secret: inference-tls, key: tls.key }\n    GIT: { secret: flux-git-auth, key: identity }\n',
      },
      env,
    );
    expect(result.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['platform-secret', 'Secret "s3-model-reader" holds the environment\'s S3 credentials (`s3.credentialsSecret`): no model may read it'],
      ['platform-secret', 'Secret "inference-tls" holds the gateway\'s TLS certificate and key (`gateway.tlsSecret`): no model may read it'],
      ['platform-secret', 'Secret "flux-git-auth" holds Flux\'s Git credentials (`git.secretRef`): no model may read it'],
    ]);
  });

  it('refuses declaring a platform Secret in environment.yaml', () => {
    const env = environment('test', '  secrets: { declared: { s3-model-reader: { keys: [AWS_ACCESS_KEY_ID] } } }\n');
    expect(withModels({}, env).diagnostics.map((d) => [d.code, d.line])).toEqual([['platform-secret', 12]]);
  });

  it('applies the rules of env to the variable names, and refuses a variable in both', () => {
    const result = withModels(
      {
        whisper:
          '  env: { HF_HUB_OFFLINE: "1", WANDB_MODE: online }\n  secretEnv:\n    AWS_ACCESS_KEY_ID: { secret: hf-token, key: token }\n    PYTHONPATH: { secret: hf-token, key: token }\n    WANDB_MODE: { secret: hf-token, key: token }\n',
      },
      OUT_OF_BAND,
    );
    expect(result.diagnostics.map((d) => [d.code, d.line, d.col])).toEqual([
      ['managed-env', 9, 5],
      ['refused-env', 10, 5],
      ['secret-env-clash', 11, 5],
    ]);
  });

  it('refuses variable and Secret names Kubernetes would not take, by the schema', () => {
    const codes = withModels({ whisper: '  secretEnv:\n    1BAD: { secret: Hf_Token, key: "a b" }\n' }, OUT_OF_BAND).diagnostics.map((d) => d.code);
    expect(codes.length).toBeGreaterThanOrEqual(2);
    // the variable name (a key of the map) and the Secret name, each by its pattern
    expect(new Set(codes)).toEqual(new Set(['invalid-key', 'invalid-format']));
  });
});

describe('secrets delivery fields', () => {
  it('external-secrets needs a store; the other deliveries refuse its fields', () => {
    expect(withModels({}, declared('external-secrets')).diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['secrets-delivery', 'delivery external-secrets needs `store`: the ClusterSecretStore the ExternalSecrets read from'],
    ]);
    const env = environment('test', '  secrets:\n    store: vault\n    refreshInterval: 1h\n    declared: { hf-token: { keys: [token], remoteKey: ml/hf } }\n');
    expect(withModels({}, env).diagnostics.map((d) => [d.code, d.line])).toEqual([
      ['secrets-delivery', 13],
      ['secrets-delivery', 14],
      ['secrets-delivery', 15],
    ]);
  });

  it('plans external-secrets with its store and remote keys', () => {
    const env = environment(
      'test',
      '  secrets:\n    delivery: external-secrets\n    store: vault\n    refreshInterval: 30m\n    declared: { hf-token: { keys: [token], remoteKey: ml/hf } }\n',
    );
    const result = withModels({ whisper: HF }, env);
    expect(shown(result)).toEqual([]);
    expect(result.plans[0]!.secrets).toEqual({
      delivery: 'external-secrets',
      store: 'vault',
      refreshInterval: '30m',
      declared: { 'hf-token': { keys: ['token'], remoteKey: 'ml/hf' } },
    });
  });
});

describe('SOPS files', () => {
  it('plans the checked files, values still encrypted', () => {
    const result = sops({ 'hf-token.yaml': HF_FILE, 'wandb.yaml': WANDB_FILE }, { whisper: HF });
    expect(shown(result)).toEqual([]);
    const files = result.plans[0]!.sopsSecrets!;
    expect(files.map((f) => [f.name, f.sourcePath])).toEqual([
      ['hf-token', 'environments/test/secrets/hf-token.yaml'],
      ['wandb', 'environments/test/secrets/wandb.yaml'],
    ]);
    expect(files[0]!.stringData).toEqual({ token: CIPHER });
    expect(files[0]!.sops).toMatchObject({
      mac: MAC,
      version: '3.9.4',
      age: [{ recipient: 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p' }],
    });
  });

  it('refuses a plaintext value without printing it', () => {
    const plaintext = 'hf_SuperSecretValueNobodyMayRead0123456789';
    const result = sops({ 'hf-token.yaml': HF_FILE.replace(CIPHER, plaintext), 'wandb.yaml': WANDB_FILE.replace(`entity: ${CIPHER}`, 'entity: acme') });
    expect(result.diagnostics.map((d) => [d.file, d.code, d.line, d.message])).toEqual([
      ['environments/test/secrets/hf-token.yaml', 'sops-plaintext', 7, 'stringData.token is not encrypted by SOPS (the value is not shown)'],
      ['environments/test/secrets/wandb.yaml', 'sops-plaintext', 8, 'data.entity is not encrypted by SOPS (the value is not shown)'],
    ]);
    const everything = JSON.stringify(result.diagnostics);
    expect(everything).not.toContain(plaintext);
    expect(everything).not.toContain('acme');
    // Never a source for code frames: no line of the file can be printed under a diagnostic.
    expect([...result.sources.keys()].filter((p) => p.includes('/secrets/'))).toEqual([]);
  });

  it('refuses a file that SOPS never encrypted', () => {
    const plain = `apiVersion: v1\nkind: Secret\nmetadata: { name: hf-token }\nstringData:\n  token: ${CIPHER}\n`;
    expect(sops({ 'hf-token.yaml': plain, 'wandb.yaml': WANDB_FILE }).diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['sops-not-encrypted', 'the file has no `sops:` metadata block: it is not SOPS-encrypted'],
    ]);
  });

  it('refuses other kinds, second documents, extra fields and foreign namespaces', () => {
    const configMap = HF_FILE.replace('kind: Secret', 'kind: ConfigMap');
    expect(sops({ 'hf-token.yaml': configMap, 'wandb.yaml': WANDB_FILE }).diagnostics.map((d) => [d.code, d.line])).toEqual([['sops-secret-shape', 2]]);
    const twoDocs = `${HF_FILE}---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: { name: x }\n`;
    expect(sops({ 'hf-token.yaml': twoDocs, 'wandb.yaml': WANDB_FILE }).diagnostics.map((d) => d.code)).toEqual(['multiple-documents']);
    const annotated = HF_FILE.replace('    name: hf-token\n', '    name: hf-token\n    namespace: kube-system\n    annotations: { a: b }\n');
    expect(sops({ 'hf-token.yaml': annotated, 'wandb.yaml': WANDB_FILE }).diagnostics.map((d) => [d.code, d.line])).toEqual([
      ['sops-secret-shape', 5],
      ['sops-secret-shape', 6],
    ]);
    const tokenType = HF_FILE.replace('type: Opaque', 'type: kubernetes.io/service-account-token');
    expect(sops({ 'hf-token.yaml': tokenType, 'wandb.yaml': WANDB_FILE }).diagnostics.map((d) => d.code)).toEqual(['sops-secret-shape']);
  });

  it('redacts YAML errors, which could quote a value', () => {
    const broken = HF_FILE.replace(`token: ${CIPHER}`, 'token: "hf_unterminated-secret-value');
    const diagnostics = sops({ 'hf-token.yaml': broken, 'wandb.yaml': WANDB_FILE }).diagnostics;
    expect(diagnostics.map((d) => d.code)).toEqual(['yaml-syntax']);
    expect(JSON.stringify(diagnostics)).not.toContain('unterminated');
  });

  it('refuses a credential SOPS left in clear (a comment)', () => {
    const commented = HF_FILE.replace('type: Opaque\n', 'type: Opaque\n# old token: hf_abcdefghijklmnopqrstuvwxyz0123456789AB\n');
    const diagnostics = sops({ 'hf-token.yaml': commented, 'wandb.yaml': WANDB_FILE }).diagnostics;
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([['inline-secret', 6]]);
    expect(JSON.stringify(diagnostics)).not.toContain('hf_abc');
  });

  it('checks files and declarations against each other', () => {
    const result = sops({
      'hf-tokn.yaml': sopsSecret('hf-tokn', `stringData:\n    token: ${CIPHER}\n`),
      'wandb.yaml': WANDB_FILE.replace(`    entity: ${CIPHER}\n`, ''),
    });
    expect(shown(result)).toEqual([
      'environments/test/environment.yaml:15:7: error: Secret "hf-token" has no encrypted file environments/test/secrets/hf-token.yaml [write it as a Secret manifest and encrypt it: sops --encrypt --in-place environments/test/secrets/hf-token.yaml (docs/secrets.md)]',
      'environments/test/secrets/hf-tokn.yaml:4:11: error: Secret "hf-tokn" is not declared in environments/test/environment.yaml [did you mean "hf-token.yaml"?]',
      'environments/test/secrets/wandb.yaml:4:11: error: the Secret lacks the declared key entity [add entity under data or stringData (sops edit environments/test/secrets/wandb.yaml), or change the declaration in environment.yaml]',
    ]);
  });

  it('refuses files under secrets/ that no sops delivery applies', () => {
    const result = workspace({ 'environments/test/environment.yaml': OUT_OF_BAND, 'environments/test/secrets/hf-token.yaml': HF_FILE });
    expect(shown(result)).toEqual([
      'environments/test/secrets/hf-token.yaml:1:1: error: this file is not applied: `secrets.delivery` is out-of-band [set `secrets.delivery: sops` in environment.yaml and declare the Secret under `secrets.declared`, or delete the file]',
    ]);
  });
});
