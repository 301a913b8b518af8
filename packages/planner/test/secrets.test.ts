/**
 * Secrets by reference: `secretEnv` names only Secrets (and keys) the environment declares, never
 * the platform's own; the fields of each delivery; and SOPS files checked without decrypting,
 * a plaintext value refused without ever being shown.
 */
import { describe, expect, it } from 'vitest';
import { isAgeRecipient } from '../src/load/age-recipient.ts';
import { summarizeChange } from '../src/plan/diff.ts';
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

/**
 * `kubectl create secret generic hf-token --from-literal=token=… --dry-run=client -o yaml`, then
 * `sops --encrypt --in-place` with docs/examples/.sops.yaml, byte for byte in shape: kubectl's key
 * order and `creationTimestamp: null`, sops' 4-space indent, the key sources it has no key for as
 * empty lists, and its metadata fields in the order sops writes them.
 */
const KUBECTL_SOPS_FILE = `apiVersion: v1
data:
    token: ${CIPHER}
kind: Secret
metadata:
    creationTimestamp: null
    name: hf-token
${SOPS_BLOCK.replace('sops:\n', 'sops:\n    kms: []\n    gcp_kms: []\n    azure_kv: []\n    hc_vault: []\n').replace('    encrypted_regex', '    pgp: []\n    encrypted_regex')}`;

/** age's documented example key, the recipient of every file above. */
const CLUSTER_KEY = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';
/** Another valid age key (32 arbitrary bytes, Bech32-encoded), listed by no environment. */
const STRANGER_KEY = 'age1pvc9275lcn5suv6c0k3v0mq3xedcpfw2au2rjh5r4rxly9euvxrqkg9q2z';
const SOPS_ENV = declared('sops', `    sops: { ageRecipients: [${CLUSTER_KEY}] }\n`);

/** The environment `test` with delivery sops, these secret files and models. */
function sops(files: Record<string, string>, models: Record<string, string> = {}) {
  return workspace({
    'environments/test/environment.yaml': SOPS_ENV,
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

  it('accepts a file exactly as kubectl and sops write it, and copies no creationTimestamp', () => {
    const result = sops({ 'hf-token.yaml': KUBECTL_SOPS_FILE, 'wandb.yaml': WANDB_FILE }, { whisper: HF });
    expect(shown(result)).toEqual([]);
    const file = result.plans[0]!.sopsSecrets![0]!;
    expect(file).toMatchObject({ name: 'hf-token', data: { token: CIPHER } });
    expect(file.sops).toEqual({
      kms: [],
      gcp_kms: [],
      azure_kv: [],
      hc_vault: [],
      age: [{ recipient: 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p', enc: expect.stringContaining('BEGIN AGE ENCRYPTED FILE') }],
      lastmodified: '2026-11-20T10:00:00Z',
      mac: MAC,
      pgp: [],
      encrypted_regex: '^(data|stringData)$',
      version: '3.9.4',
    });
    expect(JSON.stringify(file)).not.toContain('creationTimestamp');
  });

  it('accepts the sops metadata other versions and options write: null key sources (left out of the copy), mac_only_encrypted, a suffix rule', () => {
    const variant = KUBECTL_SOPS_FILE.replace('    kms: []\n', '    kms: null\n').replace(
      '    encrypted_regex: ^(data|stringData)$\n',
      '    unencrypted_suffix: _unencrypted\n    mac_only_encrypted: true\n',
    );
    const result = sops({ 'hf-token.yaml': variant, 'wandb.yaml': WANDB_FILE });
    expect(shown(result)).toEqual([]);
    const block = result.plans[0]!.sopsSecrets![0]!.sops;
    expect(Object.keys(block)).toEqual([
      'gcp_kms',
      'azure_kv',
      'hc_vault',
      'age',
      'lastmodified',
      'mac',
      'pgp',
      'unencrypted_suffix',
      'mac_only_encrypted',
      'version',
    ]);
    expect(block).toMatchObject({ unencrypted_suffix: '_unencrypted', mac_only_encrypted: true });
  });

  it('accepts creationTimestamp only as the null kubectl writes', () => {
    const dated = KUBECTL_SOPS_FILE.replace('creationTimestamp: null', 'creationTimestamp: "2026-01-01T00:00:00Z"');
    expect(shown(sops({ 'hf-token.yaml': dated, 'wandb.yaml': WANDB_FILE }))).toEqual([
      'environments/test/secrets/hf-token.yaml:6:24: error: metadata.creationTimestamp is accepted only as null, as kubectl writes it [remove it, or write `creationTimestamp: null`: the API server sets it]',
    ]);
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
      'environments/test/environment.yaml:16:7: error: Secret "hf-token" has no encrypted file environments/test/secrets/hf-token.yaml [write it as a Secret manifest and encrypt it: sops --encrypt --in-place environments/test/secrets/hf-token.yaml (docs/secrets.md)]',
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

describe('SOPS files: what reaches flux/ (labels, key services, recipients)', () => {
  const codes = (files: Record<string, string>, env = SOPS_ENV) =>
    workspace({
      'environments/test/environment.yaml': env,
      ...Object.fromEntries(Object.entries(files).map(([n, t]) => [`environments/test/secrets/${n}`, t])),
    }).diagnostics;
  const withLabels = (labels: string) => HF_FILE.replace('    name: hf-token\n', `    name: hf-token\n    labels:\n${labels}`);

  it('copies app.kubernetes.io/* labels, and refuses every other label without naming it (Flux reads its settings from labels too)', () => {
    const result = sops({ 'hf-token.yaml': withLabels('        app.kubernetes.io/part-of: search\n'), 'wandb.yaml': WANDB_FILE });
    expect(shown(result)).toEqual([]);
    expect(result.plans[0]!.sopsSecrets![0]!.labels).toEqual({ 'app.kubernetes.io/part-of': 'search' });
    const refused = codes({
      'hf-token.yaml': withLabels(
        '        kustomize.toolkit.fluxcd.io/prune: disabled\n        kustomize.toolkit.fluxcd.io/ssa: IfNotPresent\n        grafana_datasource: "1"\n        team: search\n        app.kubernetes.io/name: "not a label value"\n',
      ),
      'wandb.yaml': WANDB_FILE,
    });
    expect(refused.map((d) => [d.code, d.line, d.message])).toEqual([
      ['sops-label', 6, 'the label at line 6 is not an app.kubernetes.io/* label (the label is not shown)'],
      ['sops-label', 7, 'the label at line 7 is not an app.kubernetes.io/* label (the label is not shown)'],
      ['sops-label', 8, 'the label at line 8 is not an app.kubernetes.io/* label (the label is not shown)'],
      ['sops-label', 9, 'the label at line 9 is not an app.kubernetes.io/* label (the label is not shown)'],
      ['sops-label', 10, 'the label at line 10 is not a valid label (the label is not shown)'],
    ]);
    expect(JSON.stringify(refused.map((d) => d.message))).not.toMatch(/prune|grafana|team/);
  });

  it.for([
    ['hc_vault', '    hc_vault:\n        - vault_address: http://169.254.169.254\n          engine_path: sops\n          key_name: k\n'],
    ['azure_kv', '    azure_kv:\n        - vault_url: https://x.vault.azure.net\n          name: k\n          version: "1"\n'],
    ['gcp_kms', '    gcp_kms:\n        - resource_id: projects/p/locations/l/keyRings/r/cryptoKeys/k\n'],
    ['kms', '    kms:\n        - arn: arn:aws:kms:us-east-1:111122223333:key/k\n          role: arn:aws:iam::111122223333:role/r\n'],
    ['pgp', '    pgp:\n        - fp: 85D77543B3D624B63CEA9E6DBC17301B491B3F21\n'],
    ['key_groups', '    key_groups:\n        - age: []\n'],
  ])('refuses a %s key source: kustomize-controller would contact it', ([field, lines]) => {
    const file = HF_FILE.replace('sops:\n', `sops:\n${lines}`);
    const diagnostics = codes({ 'hf-token.yaml': file, 'wandb.yaml': WANDB_FILE });
    expect(diagnostics.map((d) => [d.code, d.line, d.message])).toEqual([
      ['sops-key-source', 9, `sops.${field} names a key service: only age recipients are accepted (kustomize-controller would contact it)`],
    ]);
    expect(JSON.stringify(diagnostics)).not.toMatch(/169\.254|vault\.azure|projects\/p|arn:aws|85D77543/);
  });

  it('needs the environment to list its age recipients, each a valid age key', () => {
    const missing = codes({ 'hf-token.yaml': HF_FILE, 'wandb.yaml': WANDB_FILE }, declared('sops'));
    expect(missing.map((d) => [d.file, d.code, d.line])).toEqual([['environments/test/environment.yaml', 'sops-recipient', 13]]);
    expect(missing[0]!.message).toBe('delivery sops needs `sops.ageRecipients`: the age public keys the files under secrets/ may be encrypted to');
    // One character changed: the pattern holds, the Bech32 checksum does not.
    const typo = CLUSTER_KEY.replace('ql3z', 'ql3y');
    const bad = codes({ 'hf-token.yaml': HF_FILE, 'wandb.yaml': WANDB_FILE }, declared('sops', `    sops: { ageRecipients: [${typo}] }\n`));
    expect(bad.map((d) => [d.code, d.line, d.message])).toEqual([['sops-recipient', 14, `"${typo}" is not an age public key: its checksum does not match`]]);
    const notSops = codes({}, declared('out-of-band', `    sops: { ageRecipients: [${CLUSTER_KEY}] }\n`));
    expect(notSops.map((d) => [d.code, d.line])).toEqual([['secrets-delivery', 14]]);
  });

  it('refuses a file encrypted to a recipient the environment does not list (a Secret re-encrypted to a key of its own)', () => {
    const stranger = HF_FILE.replace(
      '    lastmodified',
      `        - recipient: ${STRANGER_KEY}\n          enc: |\n            -----BEGIN AGE ENCRYPTED FILE-----\n            YWdlLWVuY3J5cHRpb24ub3JnL3YxCg==\n            -----END AGE ENCRYPTED FILE-----\n    lastmodified`,
    );
    expect(shown(sops({ 'hf-token.yaml': stranger, 'wandb.yaml': WANDB_FILE }))).toEqual([
      `environments/test/secrets/hf-token.yaml:15:22: error: the file is encrypted to ${STRANGER_KEY}, which \`secrets.sops.ageRecipients\` of environments/test/environment.yaml does not list [encrypt it to the listed keys only (.sops.yaml, then \`sops updatekeys environments/test/secrets/hf-token.yaml\`); if the key is one of yours, the platform team adds it to environment.yaml]`,
    ]);
    const both = SOPS_ENV.replace(`ageRecipients: [${CLUSTER_KEY}]`, `ageRecipients: [${CLUSTER_KEY}, ${STRANGER_KEY}]`);
    expect(codes({ 'hf-token.yaml': stranger, 'wandb.yaml': WANDB_FILE }, both)).toEqual([]);
    // Not an age key at all: refused where it is read, and not printed.
    const garbage = HF_FILE.replace(CLUSTER_KEY, 'age1-hf_abcdefghijklmnopqrstuvwxyz0123456789AB');
    const diagnostics = codes({ 'hf-token.yaml': garbage, 'wandb.yaml': WANDB_FILE });
    expect(diagnostics.map((d) => [d.code, d.line, d.message])).toEqual([
      ['inline-secret', 10, expect.stringContaining('(the line is not shown)')],
      ['sops-recipient', 10, 'sops.age[0].recipient is not an age public key (the value is not shown)'],
    ]);
    expect(JSON.stringify(diagnostics)).not.toContain('hf_abc');
  });

  it('refuses sops fields of another shape than sops writes, and an age entry with more than a recipient and its key', () => {
    const file = HF_FILE.replace('version: 3.9.4', 'version: latest').replace('          enc: |', '          extra: x\n          enc: |');
    expect(codes({ 'hf-token.yaml': file, 'wandb.yaml': WANDB_FILE }).map((d) => [d.code, d.line, d.message])).toEqual([
      ['sops-secret-shape', 10, 'sops.age[0] must hold exactly `recipient` and `enc`, as sops writes them'],
      ['sops-secret-shape', 19, 'sops.version is not what sops writes there (the value is not shown)'],
    ]);
  });
});

describe('SOPS files: messages quote nothing of the file', () => {
  const diagnose = (file: string) =>
    workspace({
      'environments/test/environment.yaml': SOPS_ENV,
      'environments/test/secrets/hf-token.yaml': file,
      'environments/test/secrets/wandb.yaml': WANDB_FILE,
    }).diagnostics;

  it('names the namespace, unknown fields and invalid keys by position only', () => {
    const file = HF_FILE.replace('    name: hf-token\n', '    name: hf-token\n    namespace: tenant-7\n    owner-secret: x\n')
      .replace('type: Opaque\n', 'type: Opaque\nhidden_field: 1\n')
      .replace(`    token: ${CIPHER}\n`, `    token: ${CIPHER}\n    "bad key!": ${CIPHER}\n`);
    const diagnostics = diagnose(file);
    expect(diagnostics.map((d) => [d.code, d.line, d.message])).toEqual([
      ['sops-secret-shape', 5, 'metadata.namespace must not be set (the Kustomization sets it)'],
      ['sops-secret-shape', 6, 'an unknown metadata field at line 6 (its name is not shown)'],
      ['sops-secret-shape', 8, 'an unknown top-level field at line 8 (its name is not shown)'],
      ['sops-secret-shape', 11, 'a stringData key that is not a valid Secret key at line 11 (the key is not shown)'],
    ]);
    expect(JSON.stringify(diagnostics)).not.toMatch(/tenant-7|owner-secret|hidden_field|bad key/);
  });

  it('names a plaintext value by its line when its key looks like a credential, and reports the credential', () => {
    const key = `ghp_${'A1b2C3d4E5'.repeat(3)}xYz789`;
    const diagnostics = diagnose(HF_FILE.replace(`    token: ${CIPHER}\n`, `    token: ${CIPHER}\n    ${key}: plain\n`));
    expect(diagnostics.map((d) => [d.code, d.line, d.message])).toEqual([
      ['sops-plaintext', 8, 'a stringData value at line 8 is not encrypted by SOPS (the value is not shown)'],
    ]);
    expect(JSON.stringify(diagnostics)).not.toContain(key);
    // With an encrypted value, the key alone is still a credential in clear.
    const encrypted = diagnose(HF_FILE.replace(`    token: ${CIPHER}\n`, `    token: ${CIPHER}\n    ${key}: ${CIPHER}\n`));
    expect(encrypted.map((d) => [d.code, d.line])).toEqual([['inline-secret', 8]]);
  });

  it('scans the sops block and lines with other errors for credentials too', () => {
    const aws = `AKIA${'ABCDEFGH23456789'}`;
    const file = HF_FILE.replace('version: 3.9.4', `version: 3.9.4\n    encrypted_suffix: ${aws}`).replace('type: Opaque\n', `type: Opaque\nnote: ${aws}\n`);
    const diagnostics = diagnose(file);
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([
      ['sops-secret-shape', 6],
      ['inline-secret', 6],
      ['inline-secret', 20],
    ]);
    expect(JSON.stringify(diagnostics)).not.toContain(aws);
  });
});

describe('age recipients', () => {
  it('accepts age public keys with a valid Bech32 checksum, and nothing else', () => {
    expect(isAgeRecipient(CLUSTER_KEY)).toBe(true);
    expect(isAgeRecipient(STRANGER_KEY)).toBe(true);
    expect(isAgeRecipient(CLUSTER_KEY.replace('ql3z', 'ql3y'))).toBe(false);
    expect(isAgeRecipient(CLUSTER_KEY.toUpperCase())).toBe(false);
    expect(isAgeRecipient(`${CLUSTER_KEY}q`)).toBe(false);
    expect(isAgeRecipient('age1-replace-with-the-production-cluster-public-key')).toBe(false);
    expect(isAgeRecipient(undefined)).toBe(false);
  });
});

describe('SOPS files in the change summary', () => {
  it('shows a changed ciphertext and changed recipients, by name and keys, never the ciphertext', () => {
    const plan = (file: string, env = SOPS_ENV) =>
      workspace({
        'environments/test/environment.yaml': env,
        'environments/test/secrets/hf-token.yaml': file,
        'environments/test/secrets/wandb.yaml': WANDB_FILE,
      }).plans[0]!;
    const before = plan(HF_FILE);
    const rotated = HF_FILE.replace(CIPHER, CIPHER.replace('data:q0Wd', 'data:Zz9x'));
    expect(summarizeChange(before, plan(rotated))).toEqual([
      { subject: 'Secret hf-token', what: 'value changed (encrypted)', before: 'keys token', after: 'keys token' },
    ]);
    expect(summarizeChange(before, plan(HF_FILE))).toEqual([]);
    const both = SOPS_ENV.replace(`ageRecipients: [${CLUSTER_KEY}]`, `ageRecipients: [${CLUSTER_KEY}, ${STRANGER_KEY}]`);
    const reencrypted = rotated.replace(
      '    lastmodified',
      `        - recipient: ${STRANGER_KEY}\n          enc: |\n            -----BEGIN AGE ENCRYPTED FILE-----\n            YWdlLWVuY3J5cHRpb24ub3JnL3YxCg==\n            -----END AGE ENCRYPTED FILE-----\n    lastmodified`,
    );
    expect(summarizeChange(before, plan(HF_FILE, both))).toEqual([
      { subject: 'environment', what: 'secrets.sops.ageRecipients', before: CLUSTER_KEY, after: `${CLUSTER_KEY}, ${STRANGER_KEY}` },
    ]);
    const items = summarizeChange(plan(HF_FILE, both), plan(reencrypted, both));
    expect(items).toEqual([
      { subject: 'Secret hf-token', what: 'value changed (encrypted)', before: 'keys token', after: 'keys token' },
      { subject: 'Secret hf-token', what: 'age recipients', before: CLUSTER_KEY, after: `${STRANGER_KEY}, ${CLUSTER_KEY}` },
    ]);
    expect(JSON.stringify(items)).not.toContain('ENC[');
  });
});
