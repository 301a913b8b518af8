/**
 * The GitOps loop on a throw-away Git repository: `diff` between two commits (golden Markdown for
 * a canary-weight change, a model added and a release promoted, with the working tree and index
 * untouched), `promote` (comments kept, unknown names refused, the result valid), the promotion
 * gate, and `new`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, cli, copyOfEnvironments, expectGolden } from './support.ts';

afterEach(cleanup);

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.invalid',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.invalid',
};
const git = (root: string, ...args: string[]) => execFileSync('git', args, { cwd: root, env: GIT_ENV, encoding: 'utf8' });

function repository(): string {
  const root = copyOfEnvironments('gitops');
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'add', '.');
  git(root, 'commit', '-q', '-m', 'base');
  return root;
}

const edit = (root: string, path: string, from: string, to: string) => {
  const file = join(root, path);
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
};

describe('tritonops diff', () => {
  it('reports a canary-weight change, a model added and a release promoted, refusing the weighted canary it brings (golden Markdown), touching neither the working tree nor the index', async () => {
    const root = repository();
    edit(root, 'environments/staging/models/whisper.yaml', 'weight: 10', 'weight: 25');
    writeFileSync(
      join(root, 'environments/dev/models/tokenizer.yaml'),
      'apiVersion: tritonops.dev/v1alpha1\nkind: Model\nmetadata:\n  name: tokenizer\nspec:\n  image: nvcr.io/nvidia/tritonserver:24.10-py3\n  repository: s3://models/tokenizer/v1\n  resources: { cpu: "1", memory: 2Gi, shm: 256Mi }\n',
    );
    expect((await cli(root, 'promote', 'whisper', '--from', 'staging', '--to', 'production')).code).toBe(0);
    rmSync(join(root, 'flux'), { recursive: true, force: true }); // the diff reads specs only
    git(root, 'add', '.');
    git(root, 'commit', '-q', '-m', 'changes');

    const status = git(root, 'status', '--porcelain');
    const index = readFileSync(join(root, '.git/index'));
    const result = await cli(root, 'diff', '--base', 'HEAD~1', '--format', 'markdown');
    expect(result.stderr).toBe('');
    // The promotion brings staging's canary, weighted 25%, to a live production model: refused,
    // with the first step (the canary at weight 0) named.
    expect(result.code).toBe(1);
    const markdown = `${result.stdout.replace(/\(([0-9a-f]{12})\)/g, '(<commit>)')}\n`;
    await expectGolden('diff.md', markdown);
    expect(git(root, 'status', '--porcelain')).toBe(status);
    expect(readFileSync(join(root, '.git/index')).equals(index)).toBe(true);
  });

  it('exits 0 with nothing to report when nothing changed, and json is machine-readable', async () => {
    const root = repository();
    const none = await cli(root, 'diff', '--base', 'HEAD');
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('no changes');
    edit(root, 'environments/staging/models/whisper.yaml', 'weight: 10', 'weight: 20');
    const json = await cli(root, 'diff', '--base', 'HEAD', '--format', 'json');
    expect(json.code).toBe(3);
    const parsed = JSON.parse(json.stdout) as { changes: boolean; environments: { environment: string; summary: { what: string; after: string }[] }[] };
    expect(parsed.changes).toBe(true);
    expect(parsed.environments.map((e) => e.environment)).toEqual(['staging']);
    expect(parsed.environments[0]!.summary[0]).toMatchObject({ what: 'canary traffic', after: '20%, header x-canary: true' });
  });

  it('names a bad base as a usage error', async () => {
    const root = repository();
    const r = await cli(root, 'diff', '--base', 'no-such-ref');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"no-such-ref" is not a commit of this repository');
  });
});

describe('tritonops promote', () => {
  it('copies the release and keeps every comment of the target (golden); the result validates', async () => {
    const root = repository();
    const r = await cli(root, 'promote', 'whisper', '--from', 'staging', '--to', 'production');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('Promote whisper from staging to production');
    await expectGolden('production-whisper-promoted.yaml', readFileSync(join(root, 'environments/production/models/whisper.yaml'), 'utf8'));
    expect((await cli(root, 'validate')).code).toBe(0);
    expect(existsSync(join(root, 'flux/models/production/models/whisper/whisper.yaml'))).toBe(true);
    expect(readFileSync(join(root, 'flux/models/production/models/whisper/whisper.yaml'), 'utf8')).toContain('name: whisper-canary');
  });

  it('refuses unknown models and environments with a clear error, writing nothing', async () => {
    const root = repository();
    const before = readFileSync(join(root, 'environments/production/models/whisper.yaml'), 'utf8');
    const model = await cli(root, 'promote', 'wisper', '--from', 'staging', '--to', 'production');
    expect(model.code).toBe(2);
    expect(model.stderr).toContain('model "wisper" does not exist in "staging"');
    const env = await cli(root, 'promote', 'whisper', '--from', 'stagng', '--to', 'production');
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('did you mean "staging"?');
    const order = await cli(root, 'promote', 'whisper', '--from', 'dev', '--to', 'production');
    expect(order.code).toBe(2);
    expect(order.stderr).toContain('environment "production" is promoted from "staging", not from "dev"');
    expect(readFileSync(join(root, 'environments/production/models/whisper.yaml'), 'utf8')).toBe(before);
  });
});

describe('the promotion gate', () => {
  it('rejects a release the source environment has not run, with file:line:col', async () => {
    const root = repository();
    edit(root, 'environments/production/models/whisper.yaml', 's3://models/whisper/2024-11-20', 's3://models/whisper/2024-12-01');
    const r = await cli(root, 'validate');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'environments/production/models/whisper.yaml:11:15: error: the release of "whisper" (s3://models/whisper/2024-12-01, nvcr.io/nvidia/tritonserver:24.10-py3) has not run in "staging", which environment "production" is promoted from',
    );
    expect(r.stderr).toContain('tritonops promote whisper --from staging --to production');
  });

  it('accepts a release the source ran earlier (Git history), and an explicit override', async () => {
    const root = repository();
    edit(root, 'environments/dev/models/whisper.yaml', 's3://models/whisper/2024-11-20', 's3://models/whisper/2024-11-22');
    expect((await cli(root, 'promote', 'whisper', '--from', 'dev', '--to', 'staging')).code).toBe(0);
    git(root, 'commit', '-q', '-am', 'staging moves on');
    expect((await cli(root, 'validate')).code).toBe(0); // production still runs 2024-11-20, which staging ran
    edit(root, 'environments/production/models/whisper.yaml', 's3://models/whisper/2024-11-20', 's3://models/whisper/2024-12-01');
    expect((await cli(root, 'validate')).code).toBe(1);
    edit(
      root,
      'environments/production/models/whisper.yaml',
      '  name: whisper\n',
      '  name: whisper\n  annotations:\n    tritonops.dev/promotion-override: hotfix, staging follows tomorrow\n',
    );
    expect((await cli(root, 'validate')).code).toBe(0);
  });
});

describe('tritonops new', () => {
  it('writes a commented model spec that validates as written', async () => {
    const root = repository();
    const r = await cli(root, 'new', 'model', 'bert', '--env', 'dev', '--pool', 't4');
    expect(r.code).toBe(0);
    const text = readFileSync(join(root, 'environments/dev/models/bert.yaml'), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../../../packages/spec/schemas/model.schema.json');
    expect(text).toContain('gpuPool: t4');
    expect((await cli(root, 'validate')).code).toBe(0);
    const again = await cli(root, 'new', 'model', 'bert', '--env', 'dev');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
  });

  it('writes a pipeline wired to a model with signatures, valid as written; refuses unknown pools', async () => {
    const root = repository();
    expect((await cli(root, 'new', 'pipeline', 'my-flow', '--env', 'staging')).code).toBe(0);
    expect((await cli(root, 'validate', '--env', 'staging')).code).toBe(0);
    const pool = await cli(root, 'new', 'model', 'x', '--env', 'production', '--pool', 'a10');
    expect(pool.code).toBe(2);
    expect(pool.stderr).toContain('did you mean "a100"?');
  });
});
