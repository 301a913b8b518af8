/**
 * SOPS-encrypted Secret manifests (`environments/<env>/secrets/<name>.yaml`, delivery `sops`),
 * checked WITHOUT decrypting: tritonops holds no key, and needs none to tell an encrypted file
 * from a plaintext one.
 *
 * Each file must be exactly one `v1` `Secret` whose every `data`/`stringData` value is a SOPS
 * ciphertext (`ENC[AES256_GCM,…]`), with SOPS' metadata block. Only the fields a Secret needs are
 * accepted (no annotations, no other kinds, no second document): the charts copy the parsed,
 * checked structure into flux/, never the file's bytes, so nothing a reviewer did not see as a
 * Secret can reach the cluster through this folder.
 *
 * These files hold secrets: no message ever quotes a value or a line of them, and they are not
 * added to the sources that code frames are printed from.
 */
import type { Diagnostic } from '../diagnostics.ts';
import type { DiagnosticCode } from '../diagnostic-codes.ts';
import { credentialShape } from './credentials.ts';
import type { DataPath } from './source-file.ts';
import { SourceFile } from './source-file.ts';
import { LABEL_KEY_PATTERN, LABEL_VALUE_PATTERN, SECRET_KEY_PATTERN, SECRET_NAME_PATTERN } from '@tritonops/spec';

export const SECRETS_DIR = 'secrets';

/** A SOPS ciphertext as SOPS writes one value (AES-256-GCM, base64 parts, the plaintext's type). */
export const SOPS_CIPHERTEXT = /^ENC\[AES256_GCM,data:[A-Za-z0-9+/=]*,iv:[A-Za-z0-9+/=]+,tag:[A-Za-z0-9+/=]+,type:(str|int|float|bytes|bool)\]$/;

/**
 * The fields of SOPS' metadata block (sops 3.x). An unknown one is refused rather than dropped:
 * the copy in flux/ must carry everything Flux needs to decrypt.
 */
const SOPS_METADATA_KEYS = new Set([
  'kms',
  'gcp_kms',
  'azure_kv',
  'hc_vault',
  'age',
  'pgp',
  'key_groups',
  'shamir_threshold',
  'lastmodified',
  'mac',
  'mac_only_encrypted',
  'version',
  'unencrypted_suffix',
  'encrypted_suffix',
  'unencrypted_regex',
  'encrypted_regex',
  'unencrypted_comment_regex',
  'encrypted_comment_regex',
]);
/** Key sources SOPS can wrap the data key with: at least one must be there. */
const SOPS_KEY_SOURCES = ['age', 'pgp', 'kms', 'gcp_kms', 'azure_kv', 'hc_vault', 'key_groups'];

/** Plain data of the SOPS block: strings, numbers, booleans, lists and maps of them. */
export type SopsValue = string | number | boolean | readonly SopsValue[] | { readonly [key: string]: SopsValue };

/** A checked SOPS Secret: the structure the charts copy into flux/. */
export interface SopsSecretFile {
  /** `metadata.name`, equal to the file's name. */
  readonly name: string;
  /** Repository-relative path of the file. */
  readonly sourcePath: string;
  /** Where diagnostics point (the path as shown). */
  readonly shownPath: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** Ciphertexts by key; absent when the file has no `data`. */
  readonly data?: Readonly<Record<string, string>>;
  readonly stringData?: Readonly<Record<string, string>>;
  /** SOPS' metadata block, as parsed. */
  readonly sops: { readonly [key: string]: SopsValue };
  /** Position of `metadata.name`, for diagnostics that cross-check the declarations. */
  readonly nameAt: { readonly line: number; readonly col: number; readonly length: number };
}

/** Codes whose messages quote nothing of the file; the others are replaced by a generic one. */
const QUOTE_FREE = new Set<DiagnosticCode>(['file-too-large', 'not-utf8', 'empty-file', 'multiple-documents', 'too-deep', 'alias-limit']);

const TOP_LEVEL = new Set(['apiVersion', 'kind', 'metadata', 'type', 'data', 'stringData', 'sops']);
const METADATA = new Set(['name', 'namespace', 'labels']);

/**
 * Parses and checks one SOPS Secret file. `namespace` is the environment's (unknown when its file
 * has errors): a file that names another one is refused (Flux puts every Secret of the folder into
 * the environment's namespace).
 */
export function readSopsSecret(
  shown: string,
  sourcePath: string,
  bytes: Uint8Array,
  namespace: string | undefined,
): { secret?: SopsSecretFile; diagnostics: Diagnostic[] } {
  const file = SourceFile.parse(shown, bytes);
  if (file.parseDiagnostics.length > 0) {
    return {
      diagnostics: file.parseDiagnostics.map((d) =>
        QUOTE_FREE.has(d.code)
          ? { ...d, hint: 'a file under secrets/ holds one SOPS-encrypted Secret (see docs/secrets.md)' }
          : {
              ...d,
              message: 'this file cannot be read as YAML (details are withheld: the file holds secrets)',
              hint: 'encrypt a valid Secret manifest with `sops --encrypt --in-place` (see docs/secrets.md); `sops --decrypt` shows where it breaks',
            },
      ),
    };
  }
  const out: Diagnostic[] = [];
  const error = (path: DataPath, code: DiagnosticCode, message: string, hint: string, at: 'key' | 'value' = 'value') =>
    out.push({ severity: 'error', code, file: shown, ...file.locate(path, at), message, hint });
  const data = file.data;
  if (!isRecord(data)) {
    error([], 'sops-secret-shape', 'a file under secrets/ must be a Kubernetes Secret (a map with apiVersion, kind, metadata, data)', 'see docs/secrets.md');
    return { diagnostics: out };
  }
  for (const key of Object.keys(data)) {
    if (!TOP_LEVEL.has(key))
      error([key], 'sops-secret-shape', `"${key}" is not a field tritonops accepts in a Secret here`, `the fields are ${[...TOP_LEVEL].join(', ')}`, 'key');
  }
  if (data.apiVersion !== 'v1' || data.kind !== 'Secret') {
    error(
      data.kind !== 'Secret' ? ['kind'] : ['apiVersion'],
      'sops-secret-shape',
      'a file under secrets/ must be a single `apiVersion: v1`, `kind: Secret`: nothing else is applied from this folder',
      'put other objects elsewhere; the platform renders them',
    );
  }
  if (data.type !== undefined && data.type !== 'Opaque') {
    error(['type'], 'sops-secret-shape', 'only Secrets of type Opaque are accepted here', 'remove `type` or write `type: Opaque`');
  }
  const metadata = data.metadata;
  let name: string | undefined;
  let labels: Record<string, string> | undefined;
  if (!isRecord(metadata)) {
    error(['metadata'], 'sops-secret-shape', 'the Secret has no metadata', 'write `metadata: { name: <name> }`');
  } else {
    for (const key of Object.keys(metadata)) {
      if (!METADATA.has(key))
        error(
          ['metadata', key],
          'sops-secret-shape',
          `metadata.${key} is not accepted in a Secret here`,
          'metadata holds name, namespace and labels; SOPS leaves metadata unencrypted, so nothing else belongs there',
          'key',
        );
    }
    const stem = sourcePath.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
    if (typeof metadata.name !== 'string' || !new RegExp(SECRET_NAME_PATTERN).test(metadata.name) || metadata.name.length > 253) {
      error(['metadata', 'name'], 'sops-secret-shape', 'metadata.name must be a Secret name (a DNS-1123 subdomain)', `name it after its file: ${stem}`);
    } else if (metadata.name !== stem) {
      error(
        ['metadata', 'name'],
        'sops-secret-shape',
        `the Secret is named "${metadata.name}" but its file "${stem}"`,
        `rename one of them: one file per Secret, named after it`,
      );
    } else {
      name = metadata.name;
    }
    if (metadata.namespace !== undefined && namespace !== undefined && metadata.namespace !== namespace) {
      error(
        ['metadata', 'namespace'],
        'sops-secret-shape',
        `the Secret names namespace "${String(metadata.namespace)}", but this environment's models run in "${namespace}"`,
        'remove metadata.namespace: Flux puts these Secrets into the environment namespace',
      );
    }
    if (metadata.labels !== undefined) {
      if (
        !isRecord(metadata.labels) ||
        !Object.entries(metadata.labels).every(
          ([k, v]) => new RegExp(LABEL_KEY_PATTERN).test(k) && typeof v === 'string' && v.length <= 63 && new RegExp(LABEL_VALUE_PATTERN).test(v),
        )
      ) {
        error(['metadata', 'labels'], 'sops-secret-shape', 'metadata.labels must map label keys to label values', 'or remove the labels');
      } else {
        labels = metadata.labels as Record<string, string>;
      }
    }
  }
  const values = (field: 'data' | 'stringData'): Record<string, string> | undefined => {
    const section = data[field];
    if (section === undefined) return undefined;
    if (!isRecord(section)) {
      error([field], 'sops-secret-shape', `${field} must map keys to encrypted values`, 'see docs/secrets.md');
      return undefined;
    }
    const checked: Record<string, string> = {};
    for (const [key, value] of Object.entries(section)) {
      if (!new RegExp(SECRET_KEY_PATTERN).test(key) || key.length > 253) {
        error([field, key], 'sops-secret-shape', `"${key}" is not a valid key of a Secret`, 'use letters, digits, "-", "_" and "."', 'key');
      } else if (typeof value !== 'string' || !SOPS_CIPHERTEXT.test(value)) {
        // Never the value itself: it may be the plaintext secret.
        error(
          [field, key],
          'sops-plaintext',
          `${field}.${key} is not encrypted by SOPS (the value is not shown)`,
          'encrypt the file with `sops --encrypt --in-place <file>` before committing it; if the plaintext was ever pushed, rotate the secret',
        );
      } else {
        checked[key] = value;
      }
    }
    return checked;
  };
  const encrypted = values('data');
  const encryptedStrings = values('stringData');
  if (data.data === undefined && data.stringData === undefined) {
    error([], 'sops-secret-shape', 'the Secret has neither data nor stringData', 'add the keys the environment declares for it, then encrypt the file');
  }
  const sops = data.sops;
  let metadataBlock: Record<string, SopsValue> | undefined;
  if (!isRecord(sops)) {
    error(
      [],
      'sops-not-encrypted',
      'the file has no `sops:` metadata block: it is not SOPS-encrypted',
      "encrypt it with `sops --encrypt --in-place <file>` (the repository's .sops.yaml names the keys); if it was ever pushed in plaintext, rotate the secret",
    );
  } else {
    const unknown = Object.keys(sops).filter((k) => !SOPS_METADATA_KEYS.has(k));
    for (const key of unknown)
      error(
        ['sops', key],
        'sops-secret-shape',
        `sops.${key} is no SOPS metadata field tritonops knows`,
        `the known fields: ${[...SOPS_METADATA_KEYS].join(', ')}`,
        'key',
      );
    if (typeof sops.mac !== 'string' || !SOPS_CIPHERTEXT.test(sops.mac)) {
      error(
        ['sops', 'mac'],
        'sops-not-encrypted',
        'sops.mac is missing or not a SOPS ciphertext',
        'encrypt the file again with `sops --encrypt --in-place <file>`',
      );
    }
    if (!SOPS_KEY_SOURCES.some((k) => Array.isArray(sops[k]) && (sops[k] as unknown[]).length > 0)) {
      error(
        ['sops'],
        'sops-not-encrypted',
        'the sops block names no key the data key is encrypted to (age, pgp, kms, …)',
        'encrypt the file with the recipients of .sops.yaml',
      );
    }
    if (!isPlainData(sops, 0)) {
      error(
        ['sops'],
        'sops-secret-shape',
        'the sops block holds something other than strings, numbers, booleans, lists and maps',
        'encrypt the file again with sops',
      );
    }
    if (unknown.length === 0) metadataBlock = sops as Record<string, SopsValue>;
  }
  // What SOPS leaves in clear (names, labels, comments) is committed as it is: no credentials there.
  out.push(...plaintextCredentials(file, shown, new Set(out.map((d) => d.line))));
  if (out.length > 0 || name === undefined || !metadataBlock) return { diagnostics: out };
  return {
    secret: {
      name,
      sourcePath,
      shownPath: shown,
      ...(labels ? { labels } : {}),
      ...(encrypted ? { data: encrypted } : {}),
      ...(encryptedStrings ? { stringData: encryptedStrings } : {}),
      sops: metadataBlock,
      nameAt: file.locate(['metadata', 'name']),
    },
    diagnostics: out,
  };
}

/** Lines outside the ciphertexts and the sops block that look like a credential (by shape only). */
function plaintextCredentials(file: SourceFile, shown: string, reported: ReadonlySet<number>): Diagnostic[] {
  const found: Diagnostic[] = [];
  const lines = file.text.split('\n');
  let inSops = false;
  lines.forEach((line, i) => {
    if (/^sops:/.test(line)) inSops = true;
    else if (/^\S/.test(line)) inSops = false;
    if (inSops || reported.has(i + 1)) return;
    const clear = line.replace(/ENC\[[^\]]*\]/g, '');
    const shape = credentialShape(clear);
    if (shape)
      found.push({
        severity: 'error',
        code: 'inline-secret',
        file: shown,
        line: i + 1,
        col: 1,
        length: Math.max(1, line.length),
        message: `this line looks like a credential (${shape}) in clear text; SOPS encrypts only the values of data and stringData (the line is not shown)`,
        hint: 'keep credentials inside data or stringData, then encrypt the file with `sops --encrypt --in-place`; rotate anything that was pushed in clear',
      });
  });
  return found;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPlainData(value: unknown, depth: number): boolean {
  if (depth > 6) return false;
  if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return true;
  if (Array.isArray(value)) return value.every((v) => isPlainData(v, depth + 1));
  if (isRecord(value)) return Object.values(value).every((v) => isPlainData(v, depth + 1));
  return false;
}
