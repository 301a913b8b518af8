/**
 * SOPS-encrypted Secret manifests (`environments/<env>/secrets/<name>.yaml`, delivery `sops`),
 * checked WITHOUT decrypting: tritonops holds no key, and needs none to tell an encrypted file
 * from a plaintext one.
 *
 * Each file must be exactly one `v1` `Secret` whose every `data`/`stringData` value is a SOPS
 * ciphertext (`ENC[AES256_GCM,…]`), with SOPS' metadata block. Only the fields a Secret needs are
 * accepted (no annotations, no namespace, no labels but `app.kubernetes.io/*`, no key service but
 * age, no other kinds, no second document): the charts copy the parsed, checked structure into
 * flux/, never the file's bytes, so nothing a reviewer did not see as a Secret can reach the
 * cluster through this folder, and kustomize-controller contacts no key service for it.
 *
 * These files hold secrets: no message quotes anything of them but names and keys that passed
 * their pattern and do not look like a credential, and positions ("at line N"). They are not
 * added to the sources that code frames are printed from.
 */
import type { Diagnostic } from '../diagnostics.ts';
import type { DiagnosticCode } from '../diagnostic-codes.ts';
import { isAgeRecipient } from './age-recipient.ts';
import { credentialShape } from './credentials.ts';
import type { DataPath } from './source-file.ts';
import { SourceFile } from './source-file.ts';
import { LABEL_KEY_PATTERN, LABEL_VALUE_PATTERN, SECRET_KEY_PATTERN, SECRET_NAME_PATTERN } from '@tritonops/spec';

export const SECRETS_DIR = 'secrets';

/** A SOPS ciphertext as SOPS writes one value (AES-256-GCM, base64 parts, the plaintext's type). */
export const SOPS_CIPHERTEXT = /^ENC\[AES256_GCM,data:[A-Za-z0-9+/=]*,iv:[A-Za-z0-9+/=]+,tag:[A-Za-z0-9+/=]+,type:(str|int|float|bytes|bool)\]$/;

/**
 * The scalar fields of SOPS' metadata block (sops 3.x), each with the shape sops writes. An
 * unknown field is refused rather than dropped: the copy in flux/ must carry everything Flux
 * needs to decrypt.
 */
const SOPS_SCALARS: Readonly<Record<string, (v: unknown) => boolean>> = {
  lastmodified: (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v),
  mac: (v) => typeof v === 'string' && SOPS_CIPHERTEXT.test(v),
  mac_only_encrypted: (v) => typeof v === 'boolean',
  version: (v) => typeof v === 'string' && /^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]{1,40})?$/.test(v),
  shamir_threshold: (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 255,
  unencrypted_suffix: shortText,
  encrypted_suffix: shortText,
  unencrypted_regex: shortText,
  encrypted_regex: shortText,
  unencrypted_comment_regex: shortText,
  encrypted_comment_regex: shortText,
};
/**
 * Key services sops can wrap the data key with besides age. kustomize-controller would contact
 * the one a file names (a Vault address, a cloud KMS) or try its keys: a file may use none of
 * them, only age recipients. sops writes those it does not use as empty lists, or as null.
 */
const OTHER_KEY_SOURCES = ['kms', 'gcp_kms', 'azure_kv', 'hc_vault', 'pgp', 'key_groups'];
/** The data key encrypted to one age recipient, ASCII-armored as sops writes it. */
const AGE_ARMOR = /^-----BEGIN AGE ENCRYPTED FILE-----\n([A-Za-z0-9+/=]{1,64}\n){1,64}-----END AGE ENCRYPTED FILE-----\n?$/;
/**
 * The only labels a file may set: the Kubernetes recommended `app.kubernetes.io/*` ones, which
 * only describe. Flux reads `kustomize.toolkit.fluxcd.io/{prune,ssa,force,reconcile}` from
 * labels as well as annotations, and sidecars load Secrets by label (Grafana's
 * `grafana_datasource`): any other label could act on the cluster.
 */
const LABEL_PREFIX = 'app.kubernetes.io/';

/** Plain data of the SOPS block: strings, numbers, booleans, lists and maps of them. */
export type SopsValue = string | number | boolean | readonly SopsValue[] | { readonly [key: string]: SopsValue };

type Span = { readonly line: number; readonly col: number; readonly length: number };

/** A checked SOPS Secret: the structure the charts copy into flux/. */
export interface SopsSecretFile {
  /** `metadata.name`, equal to the file's name. */
  readonly name: string;
  /** Repository-relative path of the file. */
  readonly sourcePath: string;
  /** Where diagnostics point (the path as shown). */
  readonly shownPath: string;
  /** `app.kubernetes.io/*` labels only. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Ciphertexts by key; absent when the file has no `data`. */
  readonly data?: Readonly<Record<string, string>>;
  readonly stringData?: Readonly<Record<string, string>>;
  /** SOPS' metadata block, as parsed (null key sources left out). */
  readonly sops: { readonly [key: string]: SopsValue };
  /** The age recipients of `sops.age`, each a checked age public key, with its position. */
  readonly recipients: readonly { readonly recipient: string; readonly at: Span }[];
  /** Position of `metadata.name`, for diagnostics that cross-check the declarations. */
  readonly nameAt: Span;
}

/** Codes whose messages quote nothing of the file; the others are replaced by a generic one. */
const QUOTE_FREE = new Set<DiagnosticCode>(['file-too-large', 'not-utf8', 'empty-file', 'multiple-documents', 'too-deep', 'alias-limit']);

const TOP_LEVEL = new Set(['apiVersion', 'kind', 'metadata', 'type', 'data', 'stringData', 'sops']);
const METADATA = new Set(['name', 'namespace', 'labels']);
/**
 * `kubectl create secret … --dry-run=client -o yaml` writes `creationTimestamp: null` (docs/secrets.md,
 * step 3): accepted as exactly that, and not copied into flux/ (the API server sets the real one).
 */
const KUBECTL_NULL_METADATA = 'creationTimestamp';

/** A data key that may be named in a message: a valid Secret key that does not look like a credential. */
function printableKey(key: string): boolean {
  return new RegExp(SECRET_KEY_PATTERN).test(key) && key.length <= 253 && credentialShape(key) === undefined;
}

/**
 * Parses and checks one SOPS Secret file. Whether its recipients are the environment's is
 * checked with the declarations (check/secrets.ts).
 */
export function readSopsSecret(shown: string, sourcePath: string, bytes: Uint8Array): { secret?: SopsSecretFile; diagnostics: Diagnostic[] } {
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
  const lineOf = (path: DataPath, at: 'key' | 'value' = 'key') => file.locate(path, at).line;
  const data = file.data;
  if (!isRecord(data)) {
    error([], 'sops-secret-shape', 'a file under secrets/ must be a Kubernetes Secret (a map with apiVersion, kind, metadata, data)', 'see docs/secrets.md');
    return { diagnostics: out };
  }
  for (const key of Object.keys(data)) {
    if (!TOP_LEVEL.has(key))
      error(
        [key],
        'sops-secret-shape',
        `an unknown top-level field at line ${lineOf([key])} (its name is not shown)`,
        `a Secret here has only ${[...TOP_LEVEL].join(', ')}`,
        'key',
      );
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
      if (key === KUBECTL_NULL_METADATA && metadata[key] !== null) {
        error(
          ['metadata', key],
          'sops-secret-shape',
          `metadata.${key} is accepted only as null, as kubectl writes it`,
          `remove it, or write \`${key}: null\`: the API server sets it`,
        );
      } else if (!METADATA.has(key) && key !== KUBECTL_NULL_METADATA)
        error(
          ['metadata', key],
          'sops-secret-shape',
          `an unknown metadata field at line ${lineOf(['metadata', key])} (its name is not shown)`,
          'metadata holds name and labels (and the `creationTimestamp: null` kubectl writes); SOPS leaves metadata unencrypted, so nothing else belongs there',
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
    if (metadata.namespace !== undefined) {
      error(
        ['metadata', 'namespace'],
        'sops-secret-shape',
        'metadata.namespace must not be set (the Kustomization sets it)',
        "remove it: Flux puts these Secrets into the environment's namespace",
        'key',
      );
    }
    if (metadata.labels !== undefined) labels = checkLabels(metadata.labels, (path, message, hint) => error(path, 'sops-label', message, hint, 'key'), lineOf);
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
      const line = lineOf([field, key]);
      if (!new RegExp(SECRET_KEY_PATTERN).test(key) || key.length > 253) {
        error(
          [field, key],
          'sops-secret-shape',
          `a ${field} key that is not a valid Secret key at line ${line} (the key is not shown)`,
          'use letters, digits, "-", "_" and "." (at most 253)',
          'key',
        );
      } else if (typeof value !== 'string' || !SOPS_CIPHERTEXT.test(value)) {
        // Never the value itself, nor a key that looks like one: either may be the plaintext secret.
        error(
          [field, key],
          'sops-plaintext',
          `${printableKey(key) ? `${field}.${key}` : `a ${field} value at line ${line}`} is not encrypted by SOPS (the value is not shown)`,
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
  const sopsBlock = checkSopsBlock(data.sops, error, lineOf, (path) => file.locate(path));
  // What SOPS leaves in clear (names, labels, comments, its own metadata) is committed as it is:
  // no credentials there. A value already refused as plaintext is not reported twice.
  const plaintextLines = new Set(out.filter((d) => d.code === 'sops-plaintext').map((d) => d.line));
  out.push(...plaintextCredentials(file, shown, plaintextLines));
  if (out.length > 0 || name === undefined || !sopsBlock) return { diagnostics: out };
  return {
    secret: {
      name,
      sourcePath,
      shownPath: shown,
      ...(labels ? { labels } : {}),
      ...(encrypted ? { data: encrypted } : {}),
      ...(encryptedStrings ? { stringData: encryptedStrings } : {}),
      sops: sopsBlock.block,
      recipients: sopsBlock.recipients,
      nameAt: file.locate(['metadata', 'name']),
    },
    diagnostics: out,
  };
}

type Report = (path: DataPath, code: DiagnosticCode, message: string, hint: string, at?: 'key' | 'value') => void;
type LineOf = (path: DataPath, at?: 'key' | 'value') => number;

/** `metadata.labels`: only `app.kubernetes.io/*` keys with label values. No key or value is printed. */
function checkLabels(labels: unknown, refuse: (path: DataPath, message: string, hint: string) => void, lineOf: LineOf): Record<string, string> | undefined {
  if (!isRecord(labels)) {
    refuse(['metadata', 'labels'], 'metadata.labels must map label keys to label values', 'or remove the labels');
    return undefined;
  }
  let ok = true;
  for (const [key, value] of Object.entries(labels)) {
    const at = ['metadata', 'labels', key];
    const valid = new RegExp(LABEL_KEY_PATTERN).test(key) && typeof value === 'string' && value.length <= 63 && new RegExp(LABEL_VALUE_PATTERN).test(value);
    if (!valid || !key.startsWith(LABEL_PREFIX)) {
      ok = false;
      refuse(
        at,
        valid
          ? `the label at line ${lineOf(at)} is not an ${LABEL_PREFIX}* label (the label is not shown)`
          : `the label at line ${lineOf(at)} is not a valid label (the label is not shown)`,
        `a Secret here may carry only ${LABEL_PREFIX}* labels: Flux reads kustomize.toolkit.fluxcd.io/* labels as settings and sidecars load labelled Secrets; tritonops adds its own labels`,
      );
    }
  }
  return ok ? (labels as Record<string, string>) : undefined;
}

/**
 * SOPS' metadata block: known fields only, each of the shape sops writes, age recipients only
 * (the other key sources empty or null). Returns the block to copy (nulls left out, as sops
 * reads an absent field the same way) and the recipients, or undefined when it is refused.
 */
function checkSopsBlock(
  sops: unknown,
  error: Report,
  lineOf: LineOf,
  locate: (path: DataPath) => Span,
): { block: Record<string, SopsValue>; recipients: { recipient: string; at: Span }[] } | undefined {
  const encryptHint = "encrypt it with `sops --encrypt --in-place <file>` (the repository's .sops.yaml names the age recipients)";
  if (!isRecord(sops)) {
    error(
      [],
      'sops-not-encrypted',
      'the file has no `sops:` metadata block: it is not SOPS-encrypted',
      `${encryptHint}; if it was ever pushed in plaintext, rotate the secret`,
    );
    return undefined;
  }
  let refused = false;
  const refuse: Report = (...args) => {
    refused = true;
    error(...args);
  };
  for (const [key, value] of Object.entries(sops)) {
    if (key === 'age' || value === null) continue;
    const scalar = Object.hasOwn(SOPS_SCALARS, key) ? SOPS_SCALARS[key] : undefined;
    if (OTHER_KEY_SOURCES.includes(key)) {
      if (!(Array.isArray(value) && value.length === 0))
        refuse(
          ['sops', key],
          'sops-key-source',
          `sops.${key} names a key service: only age recipients are accepted (kustomize-controller would contact it)`,
          `encrypt the file to age recipients only (.sops.yaml \`age:\`), so sops writes \`${key}: []\``,
          'key',
        );
    } else if (!scalar) {
      refuse(
        ['sops', key],
        'sops-secret-shape',
        `an unknown field of the sops block at line ${lineOf(['sops', key])} (its name is not shown)`,
        `the sops fields tritonops knows: age, ${OTHER_KEY_SOURCES.join(', ')}, ${Object.keys(SOPS_SCALARS).join(', ')}; encrypt the file again with sops`,
        'key',
      );
    } else if (!scalar(value)) {
      refuse(['sops', key], 'sops-secret-shape', `sops.${key} is not what sops writes there (the value is not shown)`, 'encrypt the file again with sops');
    }
  }
  if (typeof sops.mac !== 'string')
    error(['sops'], 'sops-not-encrypted', 'the sops block has no `mac`', 'encrypt the file again with `sops --encrypt --in-place <file>`');
  const recipients: { recipient: string; at: Span }[] = [];
  const age = sops.age;
  if (!Array.isArray(age) || age.length === 0) {
    refuse(['sops'], 'sops-not-encrypted', 'the sops block names no age recipient the data key is encrypted to', encryptHint, 'key');
  } else {
    age.forEach((entry: unknown, i) => {
      const at: DataPath = ['sops', 'age', i];
      const fields = isRecord(entry) ? Object.keys(entry) : [];
      if (!isRecord(entry) || fields.length !== 2 || !fields.includes('recipient') || !fields.includes('enc')) {
        refuse(at, 'sops-secret-shape', `sops.age[${i}] must hold exactly \`recipient\` and \`enc\`, as sops writes them`, 'encrypt the file again with sops');
      } else if (!isAgeRecipient(entry.recipient)) {
        refuse([...at, 'recipient'], 'sops-recipient', `sops.age[${i}].recipient is not an age public key (the value is not shown)`, encryptHint);
      } else if (typeof entry.enc !== 'string' || !AGE_ARMOR.test(entry.enc)) {
        refuse([...at, 'enc'], 'sops-secret-shape', `sops.age[${i}].enc is not an age-encrypted data key`, 'encrypt the file again with sops');
      } else {
        recipients.push({ recipient: entry.recipient, at: locate([...at, 'recipient']) });
      }
    });
  }
  if (refused || typeof sops.mac !== 'string') return undefined;
  return { block: Object.fromEntries(Object.entries(sops).filter(([, v]) => v !== null)) as Record<string, SopsValue>, recipients };
}

/**
 * Lines that look like a credential (by shape only), outside the ciphertexts and the age-armored
 * data keys: names, labels, comments and sops' own fields are committed in clear.
 */
function plaintextCredentials(file: SourceFile, shown: string, reported: ReadonlySet<number>): Diagnostic[] {
  const found: Diagnostic[] = [];
  let inArmor = false;
  file.text.split('\n').forEach((line, i) => {
    if (/-----BEGIN AGE ENCRYPTED FILE-----/.test(line)) inArmor = true;
    const armored = inArmor;
    if (/-----END AGE ENCRYPTED FILE-----/.test(line)) inArmor = false;
    if (armored || reported.has(i + 1)) return;
    const shape = credentialShape(line.replace(/ENC\[[^\]]*\]/g, ''));
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

function shortText(v: unknown): boolean {
  return typeof v === 'string' && v.length <= 256;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
