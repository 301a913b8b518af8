import { describe, expect, it } from 'vitest';
import { findInlineCredentials } from '../src/load/credentials.ts';
import { SourceFile } from '../src/load/source-file.ts';

const scan = (yaml: string) => findInlineCredentials(SourceFile.parse('spec.yaml', Buffer.from(yaml)));

describe('no credentials in specs', () => {
  it.each([
    ['a secret key under an s3 key', 's3:\n  secretKey: abc123\n', 2, 14],
    ['an env var named like a token', 'env:\n  HF_TOKEN: hf_abcdefghijklmnopqrstuvwxyz0123456789\n', 2, 13],
    ['a password anywhere', 'x:\n  dbPassword: hunter2\n', 2, 15],
    ['an AWS access key id in a value', 'args:\n  - --backend-config=x,key=AKIAIOSFODNN7EXAMPLE\n', 2, 5],
    ['a URL with a password', 'git:\n  url: https://user:pa55@git.example.com/repo.git\n', 2, 8],
    ['a private key', 'x: "-----BEGIN RSA PRIVATE KEY-----"\n', 1, 4],
    ['a flag carrying a token', 'args:\n  - --hf-token=abc\n', 2, 5],
    ['an AWS secret access key alone', 'env:\n  S3: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n', 2, 7],
    ['a PGP private key block', 'x: "-----BEGIN PGP PRIVATE KEY BLOCK-----"\n', 1, 4],
    ['a token as a key', 'annotations:\n  glpat-abcdefghij0123456789: x\n', 2, 3],
    ['a token as the user of a URL', 'git:\n  url: https://ghp_0123456789abcdefghijABCDEFGHIJ0123@github.com/a/b.git\n', 2, 8],
    ['a password reused through an alias', 'a: &p hunter2\nauth:\n  password: *p\n', 3, 13],
    ['a key in a comment', 'env:\n  A: "1" # old key: AKIAIOSFODNN7EXAMPLE\n', 2, 21],
    ['a key in a comment after a quote in a plain value', "env:\n  A: 1,'x # AKIAIOSFODNN7EXAMPLE\n", 2, 13],
    ['a token as an anchor name', 'labels: &ghp_R2d2C3poBB8x9Y7zQwErTyUiOpAsDfGhJkLz\n  a: b\n', 1, 10],
    ['an AWS secret key followed by a dot, or after a prefix', 'a: "key/wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY."\n', 1, 4],
    ['key names run together', 'env:\n  DBPASSWORD: x\n', 2, 15],
    ['a pair of words: encryption key', 'env:\n  ENCRYPTION_KEY: x\n', 2, 19],
    ['a Bearer header', 'env:\n  H: "Bearer 8f14e45fceea167a5a36dedd4bea2543"\n', 2, 6],
    ['a GitLab runner token', 'env:\n  R: glrt-abcdefghij0123456789\n', 2, 6],
    ['a value under an alias used as a key', 'env:\n  L: &k HF_TOKEN\n  *k : abc\n', 3, 8],
    ['a password in a URL with an empty user', 'env:\n  R: redis://:Sup3rS3cretPassw0rd@host:6379/0\n', 2, 6],
    ['a key word: pass', 'env:\n  DB_PASS: Sup3rS3cretPassw0rd\n', 2, 12],
    ['a Stripe key', 'env:\n  S: sk_live_0123456789abcdefABCDEF\n', 2, 6],
    ['an Azure storage key', 'env:\n  C: "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abcdefghijklmnopqrstuvwxyz0123456789ABCD=="\n', 2, 6],
    ['a Slack webhook', 'env:\n  W: https://hooks.slack.com/services/T000/B000/XXXXXXXX\n', 2, 6],
    ['an AWS secret key in parentheses', 'env:\n  S: "(wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY)"\n', 2, 6],
  ])('rejects %s, at its position', (_what, yaml, line, col) => {
    const found = scan(yaml);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ code: 'inline-secret', line, col, severity: 'error' });
    expect(found[0]!.hint).toContain('s3.credentialsSecret');
  });

  it.each([
    [
      'names of Secrets',
      's3:\n  credentialsSecret: s3-model-reader\n  accessKeyIdKey: AWS_ACCESS_KEY_ID\n  secretAccessKeyKey: AWS_SECRET_ACCESS_KEY\ngit:\n  secretRef: flux-git-auth\n',
    ],
    ['words that merely contain "token"', 'env:\n  TOKENIZER_PARALLELISM: "false"\n  MAX_TOKENS: "512"\n'],
    ['an SSH git URL with a user but no password', 'git:\n  url: ssh://git@git.example.com/acme/repo.git\n'],
    ['empty values', 'env:\n  API_KEY: ""\n'],
    ['numbers under token-like keys', 'triggers:\n  timeToFirstTokenMs: 800\n  maxTokens: 512\n'],
    [
      'Git hashes, image digests and S3 paths of 40 characters',
      'a: 0123456789abcdef0123456789abcdef01234567\nb: s3://models/WhisperLargeV3/Finetuned2024Rel\nc: nvcr.io/x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n',
    ],
    ['a # inside quotes, and comments without secrets', 'a: "x # y"\nb: 1 # just a note about tokens and passwords\n'],
    [
      'an allowed false positive, by its path',
      'metadata:\n  annotations:\n    tritonops.dev/not-a-secret: "env.MAX_TOKEN_LENGTH: a length"\nenv:\n  MAX_TOKEN_LENGTH: "512"\n',
    ],
  ])('accepts %s', (_what, yaml) => {
    expect(scan(yaml)).toEqual([]);
  });
});
