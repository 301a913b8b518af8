/**
 * No credentials in Git: specs are committed and synced, so anything that looks like a key, a
 * password or a token is rejected, with where it belongs instead (a Secret named in
 * environment.yaml). Runs on the raw YAML before the schema, so it also catches keys the schema
 * does not know (`s3.secretKey: …`).
 */
import { isMap, isPair, isScalar, isSeq, type Node } from 'yaml';
import type { Diagnostic } from './diagnostics.ts';
import type { SourceFile } from './source-file.ts';

/** Keys whose value is the *name* of a Secret or of a key inside one — references, not secrets. */
const REFERENCE_KEYS = new Set(['credentialsSecret', 'secretRef', 'accessKeyIdKey', 'secretAccessKeyKey', 'tlsSecret']);

const SECRET_WORDS = new Set(['secret', 'password', 'passwd', 'pwd', 'passphrase', 'token', 'credential', 'credentials', 'apikey', 'accesskey', 'secretkey', 'privatekey']);
const SECRET_WORD_PAIRS = new Set(['access key', 'secret key', 'private key', 'api key', 'auth key', 'client secret', 'session key']);

/** Splits `HF_TOKEN`, `secretAccessKey`, `api-key` into words, so `tokenizer` or `maxTokens` are not flagged. */
function looksLikeSecretKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return words.some((w, i) => SECRET_WORDS.has(w) || SECRET_WORD_PAIRS.has(`${w} ${words[i + 1] ?? ''}`));
}

const SECRET_VALUES: { pattern: RegExp; what: string }[] = [
  { pattern: /\b(AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}\b/, what: 'an AWS access key id' },
  { pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, what: 'a private key' },
  { pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, what: 'a URL with a password in it' },
  { pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/, what: 'a JSON Web Token' },
  { pattern: /\b(hf_[A-Za-z0-9]{30,}|ghp_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|glpat-[A-Za-z0-9_-]{20,}|xox[bpa]-[A-Za-z0-9-]{20,})\b/, what: 'an API token' },
  { pattern: /^--[a-z0-9-]*(token|password|secret|access-key|api-key)[a-z0-9-]*=\S+/i, what: 'a flag carrying a credential' },
];

const HINT =
  'keep credentials out of Git: put them in a Kubernetes Secret created out of band (sealed-secrets, external-secrets or kubectl) and name that Secret in environment.yaml, e.g. `s3.credentialsSecret` for the S3 keys';

export function findInlineCredentials(file: SourceFile): Diagnostic[] {
  const found: Diagnostic[] = [];
  const report = (node: Node, what: string) => {
    found.push({
      severity: 'error',
      code: 'inline-secret',
      file: file.path,
      ...file.spanOfNode(node),
      message: `this looks like a credential (${what}); specs are committed to Git and must not carry secrets`,
      hint: HINT,
    });
  };
  const visit = (node: unknown, key: string | undefined): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const k = isScalar(pair.key) ? String(pair.key.value) : undefined;
        visit(pair.value, k);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) visit(item, undefined);
    } else if (isScalar(node)) {
      if (typeof node.value !== 'string' && typeof node.value !== 'number') return;
      const text = String(node.value);
      if (text.trim() === '') return;
      // By key name only for text: `timeToFirstTokenMs: 800` is a number, not a token.
      if (typeof node.value === 'string' && key !== undefined && !REFERENCE_KEYS.has(key) && looksLikeSecretKey(key)) {
        report(node, `a value under "${key}"`);
        return;
      }
      const match = SECRET_VALUES.find((s) => s.pattern.test(text));
      if (match) report(node, match.what);
    }
  };
  const root = file.root;
  if (root) visit(root, undefined);
  return found;
}
