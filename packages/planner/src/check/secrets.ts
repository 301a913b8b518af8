/**
 * Secrets by reference, least privilege: a model names Secrets only through `secretEnv`, and only
 * Secrets (and keys) that its environment declares under `secrets.declared`. environment.yaml is
 * the platform team's, model specs are anyone's pull request: so a spec cannot reach the S3 keys,
 * the Git credentials or any other Secret of the namespace, and the environment's own S3, TLS and
 * Git Secrets cannot be declared at all.
 *
 * Also checked here: the variables follow the rules of `env` (managed and refused names, see
 * safety.ts), the fields of each delivery, and, with `sops`, that the encrypted files under
 * `secrets/` and the declarations agree (the files themselves are checked in load/sops-secrets.ts).
 */
import type { Diagnostic } from '../diagnostics.ts';
import type { DiagnosticCode } from '../diagnostic-codes.ts';
import { didYouMeanHint } from '../did-you-mean.ts';
import type { LoadedEnvironment } from '../load/read-specs.ts';
import { isAgeRecipient } from '../load/age-recipient.ts';
import { SECRETS_DIR } from '../load/sops-secrets.ts';
import { reporter } from '../report.ts';
import { own } from '../values/records.ts';
import { MANAGED_ENV, REFUSED_ENV } from './safety.ts';
import type { Environment } from '@tritonops/spec';

/** The Secret in `flux-system` that holds the age key Flux decrypts SOPS files with. */
export const SOPS_KEY_SECRET = 'sops-age';

/** The environment's own Secrets, by name, with what each holds: never a model's to read. */
export function platformSecrets(spec: Environment['spec']): Map<string, string> {
  const out = new Map<string, string>();
  out.set(spec.s3.credentialsSecret, "the environment's S3 credentials (`s3.credentialsSecret`)");
  if (spec.gateway?.tlsSecret) out.set(spec.gateway.tlsSecret, "the gateway's TLS certificate and key (`gateway.tlsSecret`)");
  if (spec.git.secretRef) out.set(spec.git.secretRef, "Flux's Git credentials (`git.secretRef`)");
  if (spec.git.commitStatus) out.set(spec.git.commitStatus.secretRef, "the Git host's commit-status token (`git.commitStatus.secretRef`)");
  return out;
}

export function checkSecrets(env: LoadedEnvironment): Diagnostic[] {
  const out: Diagnostic[] = [];
  const spec = env.environment?.value.spec;
  if (env.environment && spec) checkDeclarations(env, spec, out);
  for (const { file, value } of env.models) {
    const secretEnv = value.spec.secretEnv;
    if (!secretEnv) continue;
    const { error } = reporter(file, out);
    const declared = spec?.secrets?.declared ?? {};
    const platform = spec ? platformSecrets(spec) : new Map<string, string>();
    for (const [name, ref] of Object.entries(secretEnv)) {
      const at = ['spec', 'secretEnv', name];
      const managed = own(MANAGED_ENV, name);
      const refused = REFUSED_ENV.find((r) => r.pattern.test(name));
      if (managed) error(at, 'managed-env', `environment variable ${name} is set by tritonops`, managed, 'key');
      else if (refused)
        error(
          at,
          'refused-env',
          `environment variable ${name} may not be set: ${refused.why}`,
          'remove it; if the platform lacks a setting you need, ask for it in environment.yaml',
          'key',
        );
      if (Object.hasOwn(value.spec.env, name))
        error(
          at,
          'secret-env-clash',
          `${name} is set both in env and in secretEnv`,
          'keep one: a credential belongs in secretEnv, a plain value in env',
          'key',
        );
      if (!spec) continue; // environment.yaml has errors of its own: the references cannot be checked
      const holds = platform.get(ref.secret);
      if (holds) {
        error(
          [...at, 'secret'],
          'platform-secret',
          `Secret "${ref.secret}" holds ${holds}: no model may read it`,
          'ask the platform team to declare a Secret of your own under `secrets.declared` in environment.yaml',
        );
        continue;
      }
      const entry = own(declared, ref.secret);
      if (!entry) {
        const names = Object.keys(declared);
        error(
          [...at, 'secret'],
          'undeclared-secret',
          `Secret "${ref.secret}" is not declared in ${env.environment!.file.path}`,
          didYouMeanHint(
            ref.secret,
            names,
            `a model may read only the Secrets its environment declares under \`secrets.declared\` (${names.length ? names.join(', ') : 'none yet'}); environment.yaml belongs to the platform team: ask them to declare it (docs/secrets.md)`,
          ),
        );
        continue;
      }
      if (!entry.keys.includes(ref.key)) {
        error(
          [...at, 'key'],
          'undeclared-secret-key',
          `Secret "${ref.secret}" has no declared key "${ref.key}"`,
          didYouMeanHint(ref.key, [...entry.keys], `its declared keys: ${entry.keys.join(', ')}`),
        );
      }
    }
  }
  return out;
}

/** The environment's `secrets` block: the fields of its delivery, the declarations, the SOPS files. */
function checkDeclarations(env: LoadedEnvironment, spec: Environment['spec'], out: Diagnostic[]): void {
  const file = env.environment!.file;
  const { error } = reporter(file, out);
  const secrets = spec.secrets;
  const fileNames = env.secretFileNames ?? [];
  const folder = `${file.path.replace(/[^/]*$/, '')}${SECRETS_DIR}`;
  if (!secrets) {
    if (fileNames.length > 0) unusedFiles(env, out, 'environment.yaml declares no `secrets`');
    return;
  }
  const at = ['spec', 'secrets'];
  const esoOnly = (field: string, path: (string | number)[]) =>
    error(
      path,
      'secrets-delivery',
      `${field} is read only with \`delivery: external-secrets\` (this environment uses ${secrets.delivery})`,
      `remove ${field}`,
      'key',
    );
  if (secrets.delivery === 'external-secrets') {
    if (!secrets.store)
      error(
        [...at, 'delivery'],
        'secrets-delivery',
        'delivery external-secrets needs `store`: the ClusterSecretStore the ExternalSecrets read from',
        'add e.g. `store: vault` (the platform team sets the store up; docs/secrets.md)',
      );
  } else {
    if (secrets.store !== undefined) esoOnly('store', [...at, 'store']);
    if (secrets.refreshInterval !== undefined) esoOnly('refreshInterval', [...at, 'refreshInterval']);
    for (const [name, declared] of Object.entries(secrets.declared))
      if (declared.remoteKey !== undefined) esoOnly('remoteKey', [...at, 'declared', name, 'remoteKey']);
  }
  const platform = platformSecrets(spec);
  for (const name of Object.keys(secrets.declared)) {
    const holds = platform.get(name);
    if (holds)
      error(
        [...at, 'declared', name],
        'platform-secret',
        `"${name}" is ${holds}: declaring it would let any model read it`,
        'declare Secrets of their own for the models; the platform Secrets stay out of their reach',
        'key',
      );
  }
  if (secrets.delivery !== 'sops') {
    if (secrets.sops !== undefined)
      error([...at, 'sops'], 'secrets-delivery', `sops is read only with \`delivery: sops\` (this environment uses ${secrets.delivery})`, 'remove sops', 'key');
    if (fileNames.length > 0) unusedFiles(env, out, `\`secrets.delivery\` is ${secrets.delivery}`);
    return;
  }
  const recipients = checkRecipients(env, secrets.sops?.ageRecipients, out);
  // sops: one file per declared Secret, holding every declared key; no file without a declaration.
  for (const [name, declared] of Object.entries(secrets.declared)) {
    if (!fileNames.includes(name)) {
      error(
        [...at, 'declared', name],
        'sops-secret-missing',
        `Secret "${name}" has no encrypted file ${folder}/${name}.yaml`,
        `write it as a Secret manifest and encrypt it: sops --encrypt --in-place ${folder}/${name}.yaml (docs/secrets.md)`,
        'key',
      );
      continue;
    }
    const secretFile = env.secretFiles?.find((f) => f.name === name);
    if (!secretFile) continue; // the file has errors of its own
    for (const { recipient, at: where } of recipients ? secretFile.recipients : [])
      if (!recipients!.has(recipient))
        push(
          out,
          secretFile.shownPath,
          where,
          'sops-recipient',
          `the file is encrypted to ${recipient}, which \`secrets.sops.ageRecipients\` of ${file.path} does not list`,
          {
            hint: `encrypt it to the listed keys only (.sops.yaml, then \`sops updatekeys ${folder}/${name}.yaml\`); if the key is one of yours, the platform team adds it to environment.yaml`,
          },
        );
    const present = new Set([...Object.keys(secretFile.data ?? {}), ...Object.keys(secretFile.stringData ?? {})]);
    const missing = declared.keys.filter((k) => !present.has(k));
    if (missing.length > 0)
      push(
        out,
        secretFile.shownPath,
        secretFile.nameAt,
        'sops-secret-keys',
        `the Secret lacks the declared key${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
        {
          hint: `add ${missing.join(', ')} under data or stringData (sops edit ${folder}/${name}.yaml), or change the declaration in environment.yaml`,
        },
      );
  }
  const names = Object.keys(secrets.declared);
  for (const secretFile of env.secretFiles ?? []) {
    if (Object.hasOwn(secrets.declared, secretFile.name)) continue;
    push(out, secretFile.shownPath, secretFile.nameAt, 'undeclared-secret', `Secret "${secretFile.name}" is not declared in ${file.path}`, {
      hint: didYouMeanHint(
        secretFile.name,
        names,
        'declare it under `secrets.declared` (with its keys), or delete the file: only declared Secrets are applied',
        (guess) => `${guess}.yaml`,
      ),
    });
  }
}

/**
 * `secrets.sops.ageRecipients`, required with `delivery: sops`: the only keys a file may be
 * encrypted to. The cluster's public key is public: without the list, a pull request could
 * replace a Secret with a value of its choosing, encrypted to the cluster and to a key of its
 * own (so that its author can read and edit it). Returns the set, or undefined when it is
 * missing or holds a key whose checksum does not match.
 */
function checkRecipients(env: LoadedEnvironment, listed: readonly string[] | undefined, out: Diagnostic[]): Set<string> | undefined {
  const file = env.environment!.file;
  const { error } = reporter(file, out);
  if (!listed) {
    error(
      ['spec', 'secrets', 'delivery'],
      'sops-recipient',
      'delivery sops needs `sops.ageRecipients`: the age public keys the files under secrets/ may be encrypted to',
      "add `sops: { ageRecipients: [age1…] }` with the cluster's key and the editors' keys, as in .sops.yaml (docs/secrets.md)",
    );
    return undefined;
  }
  let ok = true;
  listed.forEach((key, i) => {
    if (isAgeRecipient(key)) return;
    ok = false;
    error(
      ['spec', 'secrets', 'sops', 'ageRecipients', i],
      'sops-recipient',
      `"${key}" is not an age public key: its checksum does not match`,
      'copy the key again from `age-keygen -y <key file>` (the line "public key: age1…")',
    );
  });
  return ok ? new Set(listed) : undefined;
}

/** Files under secrets/ that nothing applies. */
function unusedFiles(env: LoadedEnvironment, out: Diagnostic[], why: string): void {
  const file = env.environment!.file;
  const folder = `${file.path.replace(/[^/]*$/, '')}${SECRETS_DIR}`;
  for (const name of env.secretFileNames ?? []) {
    out.push({
      severity: 'error',
      code: 'secrets-delivery',
      file: `${folder}/${name}.yaml`,
      line: 1,
      col: 1,
      length: 1,
      message: `this file is not applied: ${why}`,
      hint: 'set `secrets.delivery: sops` in environment.yaml and declare the Secret under `secrets.declared`, or delete the file',
    });
  }
}

function push(
  out: Diagnostic[],
  file: string,
  at: { line: number; col: number; length: number },
  code: DiagnosticCode,
  message: string,
  extra: { hint?: string },
): void {
  out.push({ severity: 'error', code, file, ...at, message, ...(extra.hint ? { hint: extra.hint } : {}) });
}
