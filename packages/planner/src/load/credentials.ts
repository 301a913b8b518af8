/**
 * No credentials in Git: specs are committed and synced, so anything that looks like a key, a
 * password or a token is rejected, with where it belongs instead (a Secret named in
 * environment.yaml). Runs on the raw YAML before the schema, so it also catches keys the schema
 * does not know (`s3.secretKey: …`).
 *
 * Detected by key name (split into words, so `tokenizer` or `max_tokens` do not trip it) and by
 * shape — in values and keys (an annotation key or a variable name can be the secret), then in
 * every other line of the file (comments, anchor names, tags and directives are committed too):
 * AWS access key ids and secret access keys, PEM and PGP private key blocks, JSON Web Tokens,
 * common API tokens, URLs with a password or a token as their user, `--…-token=` flags. Aliases
 * are followed, so a password defined under an innocent key and reused under `password: *p` is
 * found where it is used.
 *
 * A false positive is allowed by name, with a reason, in the file's own
 * `metadata.annotations["tritonops.dev/not-a-secret"]` — one `path: reason` per line — which
 * `tritonops diff` shows to reviewers.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { Diagnostic } from '../diagnostics.ts';
import type { DataPath, SourceFile } from './source-file.ts';

export const NOT_A_SECRET = 'tritonops.dev/not-a-secret';

/** Keys whose value is the *name* of a Secret or of a key inside one — references, not secrets. */
const REFERENCE_KEYS = new Set(['credentialsSecret', 'secretRef', 'accessKeyIdKey', 'secretAccessKeyKey', 'tlsSecret', NOT_A_SECRET]);

/**
 * Where a spec names a Secret rather than holding one, by path (`*` for any key): the Secret of a
 * `secretEnv` variable. Only the key name is excused there; the value's shape is still checked.
 */
const REFERENCE_PATHS: readonly (readonly string[])[] = [['spec', 'secretEnv', '*', 'secret']];

function isReferencePath(path: DataPath): boolean {
  return REFERENCE_PATHS.some((ref) => ref.length === path.length && ref.every((segment, i) => segment === '*' || segment === path[i]));
}

/** Words that make a key a secret's name wherever they stand, even run together (`DBPASSWORD`, `APITOKEN`). */
const SECRET_STEMS = ['password', 'passwd', 'passphrase', 'secret', 'credential', 'apikey', 'apitoken', 'accesskey', 'secretkey', 'privatekey', 'authtoken'];
/** Words that do only as words of their own (`tokenizer` and `max_tokens` are no secrets' names). */
const SECRET_WORDS = new Set(['token', 'pass', 'pwd', 'pw', 'creds', 'bearer']);
const SECRET_WORD_PAIRS = new Set([
  'access key',
  'secret key',
  'private key',
  'api key',
  'auth key',
  'client secret',
  'session key',
  'encryption key',
  'signing key',
  'app key',
  'master key',
  'license key',
  'auth header',
]);

/** Splits `HF_TOKEN`, `secretAccessKey`, `api-key` into words, so `tokenizer` or `maxTokens` are not flagged. */
function looksLikeSecretKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return words.some((w, i) => SECRET_WORDS.has(w) || SECRET_STEMS.some((stem) => w.includes(stem)) || SECRET_WORD_PAIRS.has(`${w} ${words[i + 1] ?? ''}`));
}

const SECRET_VALUES: { pattern: RegExp; what: string }[] = [
  { pattern: /\b(AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/, what: 'an AWS access key id' },
  { pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----/, what: 'a private key' },
  { pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i, what: 'a URL with a password in it' },
  { pattern: /\b(https?|ftp|git):\/\/[^/\s@]+@/i, what: 'a URL with credentials as its user' },
  { pattern: /\b[a-z][a-z0-9+.-]*:\/\/(?=[^/\s@]*[0-9])(?=[^/\s@]*[A-Za-z])[A-Za-z0-9_.~-]{20,}@/i, what: 'a URL with a token as its user' },
  { pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/, what: 'a JSON Web Token' },
  {
    pattern:
      /\b(hf_[A-Za-z0-9]{30,}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|gl(pat|dt|rt|cbt|ptt|ft|imt|agent|oas|soat)-[A-Za-z0-9_-]{20,}|xox[bpars]-[A-Za-z0-9-]{20,}|xapp-[0-9]+-[A-Za-z0-9-]{20,}|sk-[A-Za-z0-9_-]{32,}|(sk|rk)_(live|test)_[A-Za-z0-9]{16,}|SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}|AIza[A-Za-z0-9_-]{35}|npm_[A-Za-z0-9]{36}|pypi-[A-Za-z0-9_-]{50,})\b/,
    what: 'an API token',
  },
  { pattern: /\b(AccountKey|SharedAccessKey|SharedAccessSignature)=[A-Za-z0-9+/%=]{20,}/i, what: 'a storage account key' },
  { pattern: /[?&](sig|X-Amz-Signature|X-Goog-Signature)=[A-Za-z0-9%+/=_-]{16,}/i, what: 'a signed URL' },
  {
    pattern: /\bhttps:\/\/(hooks\.slack\.com\/services|discord(app)?\.com\/api\/webhooks|[a-z0-9-]+\.webhook\.office\.com)\/\S+/i,
    what: 'a webhook URL (whoever has it can post)',
  },
  { pattern: /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/-]{16,}=*/, what: 'an Authorization header value' },
  { pattern: /^--[a-z0-9-]*(token|password|secret|access-key|api-key)[a-z0-9-]*=\S+/i, what: 'a flag carrying a credential' },
];

/**
 * An AWS secret access key on its own: 40 characters of base64 with upper and lower case and
 * digits, with no letter or digit on either side (Git hashes and digests are lowercase hex).
 */
function awsSecretKeyAt(text: string): number | undefined {
  for (const match of text.matchAll(/(?<![A-Za-z0-9])[A-Za-z0-9+/]{40}(?![A-Za-z0-9])/g)) {
    const candidate = match[0];
    if (/^[A-Za-z0-9+]/.test(candidate) && /[A-Z]/.test(candidate) && /[a-z]/.test(candidate) && /[0-9]/.test(candidate)) return match.index;
  }
  return undefined;
}

/** What credential `text` holds, and where it starts; undefined when none. */
function findShape(text: string): { what: string; index: number } | undefined {
  for (const { pattern, what } of SECRET_VALUES) {
    const match = pattern.exec(text);
    if (match) return { what, index: match.index };
  }
  const index = awsSecretKeyAt(text);
  return index === undefined ? undefined : { what: 'an AWS secret access key', index };
}

function shapeOf(text: string): string | undefined {
  return findShape(text)?.what;
}

/** What credential `text` looks like by its shape alone (for files the key-name rules do not fit, e.g. SOPS files). */
export const credentialShape = shapeOf;

const HINT =
  'keep credentials out of Git: put them in a Kubernetes Secret (created out of band, SOPS-encrypted or fetched by External Secrets: docs/secrets.md) and name it: a model reads one with `secretEnv` (a Secret declared under `secrets` in environment.yaml), the S3 keys go in `s3.credentialsSecret`';

function dotted(path: DataPath): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : p))
    .join('.')
    .replace(/\.\[/g, '[');
}

/** The `path: reason` entries of the file's not-a-secret annotation, by dotted path. */
function allowances(document: Document.Parsed | undefined): Map<string, string> {
  const text = (document?.toJS({ maxAliasCount: 100 }) as { metadata?: { annotations?: Record<string, unknown> } } | undefined)?.metadata?.annotations?.[
    NOT_A_SECRET
  ];
  const out = new Map<string, string>();
  if (typeof text !== 'string') return out;
  for (const line of text.split('\n')) {
    const m = /^\s*([^\s:]+)\s*:\s*(\S.*?)\s*$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

export function findInlineCredentials(file: SourceFile): Diagnostic[] {
  const found: Diagnostic[] = [];
  const allowed = allowances(file.document);
  const used = new Set<string>();
  /** Every line a reported or allowed value spans (a multi-line private key is one finding). */
  const allowedLines = new Set<number>();
  const span = (node: Node) => {
    const [start, end] = node.range ?? [0, 0];
    for (let l = file.position(start).line; l <= file.position(Math.max(start, end - 1)).line; l++) allowedLines.add(l);
  };
  const report = (node: Node, path: DataPath, what: string) => {
    const where = dotted(path);
    span(node);
    if (allowed.has(where)) {
      used.add(where);
      return;
    }
    found.push({
      severity: 'error',
      code: 'inline-secret',
      file: file.path,
      ...file.spanOfNode(node),
      message: `this looks like a credential (${what}); specs are committed to Git and must not carry secrets`,
      hint: `${HINT}; if it is not one, say so in metadata.annotations["${NOT_A_SECRET}"] as "${where}: <why>"`,
    });
  };
  const visit = (node: unknown, at: Node | undefined, path: DataPath, key: string | undefined, through: readonly unknown[]): void => {
    if (isAlias(node)) {
      // Followed to what it refers to, reported where it is used; a recursive alias was refused by the parser.
      const target = file.document ? node.resolve(file.document) : undefined;
      if (target && !through.includes(target)) visit(target, at ?? node, path, key, [...through, target]);
      return;
    }
    const where = at ?? (node as Node);
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        // A key may be an alias (`*k : value`): what it refers to is the key that counts.
        const keyNode = isAlias(pair.key) && file.document ? pair.key.resolve(file.document) : pair.key;
        if (isScalar(keyNode)) {
          const k = String(keyNode.value);
          const keyShape = shapeOf(k);
          if (keyShape) report((at ?? pair.key) as Node, [...path, k], `${keyShape}, as a key`);
          visit(pair.value, at, [...path, k], k, through);
        } else {
          // A complex key (a map or a list as a key): scan it, and its value, as values.
          visit(pair.key, at, path, undefined, through);
          visit(pair.value, at, path, undefined, through);
        }
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item, at, [...path, i], undefined, through));
    } else if (isScalar(node)) {
      if (typeof node.value !== 'string' && typeof node.value !== 'number') return;
      const text = String(node.value);
      if (text.trim() === '') return;
      // By key name only for text: `timeToFirstTokenMs: 800` is a number, not a token.
      if (typeof node.value === 'string' && key !== undefined && !REFERENCE_KEYS.has(key) && !isReferencePath(path) && looksLikeSecretKey(key)) {
        report(where, path, `a value under "${key}"`);
        return;
      }
      const shape = shapeOf(text);
      if (shape) report(where, path, shape);
    }
  };
  const root = file.root;
  if (root) visit(root, undefined, [], undefined, []);
  // Everything else in the file is committed too: comments, anchor names, tags, directives.
  // Lines already reported (or allowed) above are not reported twice.
  const covered = new Set<number>([...found.map((d) => d.line), ...allowedLines]);
  file.text.split('\n').forEach((line, i) => {
    const shape = covered.has(i + 1) ? undefined : findShape(line);
    if (shape) {
      found.push({
        severity: 'error',
        code: 'inline-secret',
        file: file.path,
        line: i + 1,
        col: shape.index + 1,
        length: line.length - shape.index,
        message: `this looks like a credential (${shape.what}), outside any value: comments and YAML syntax are committed to Git too`,
        hint: HINT,
      });
    }
  });
  for (const [path, reason] of allowed) {
    if (used.has(path)) continue;
    found.push({
      severity: 'error',
      code: 'unused-not-a-secret',
      file: file.path,
      ...file.locate(['metadata', 'annotations', NOT_A_SECRET]),
      message: `"${path}" is listed as not a secret (${reason}), but nothing there looks like one`,
      hint: 'remove the entry: an allowance must name the exact path a finding reported',
    });
  }
  return found;
}
