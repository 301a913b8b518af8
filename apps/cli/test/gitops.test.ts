/**
 * `diff` on a throw-away Git repository: between two commits (golden Markdown for a canary-weight
 * change, a model added and a canary added, with the working tree and index untouched).
 * `promote`, the promotion gate and `new` are in promote.test.ts.
 */
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, cli, copyOfEnvironments, expectGolden } from './support.ts';
import { git } from './git-fixture.ts';

afterEach(cleanup);

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
  it('reports a canary-weight change, a model added and a canary added, refusing the weighted canary added at once (golden Markdown), touching neither the working tree nor the index', async () => {
    const root = repository();
    edit(root, 'environments/staging/models/whisper.yaml', 'weight: 10', 'weight: 25');
    writeFileSync(
      join(root, 'environments/dev/models/tokenizer.yaml'),
      'apiVersion: tritonops.dev/v1alpha1\nkind: Model\nmetadata:\n  name: tokenizer\nspec:\n  image: nvcr.io/nvidia/tritonserver:24.10-py3\n  repository: s3://models/tokenizer/v1\n  resources: { cpu: "1", memory: 2Gi, shm: 256Mi }\n',
    );
    // Production takes staging's canary release (the gate allows it: staging runs it), weighted at once.
    appendFileSync(
      join(root, 'environments/production/models/whisper.yaml'),
      '  canary:\n    repository: s3://models/whisper/2024-11-25\n    weight: 25\n    header:\n      x-canary: "true"\n',
    );
    rmSync(join(root, 'flux'), { recursive: true, force: true }); // the diff reads specs only
    git(root, 'add', '.');
    git(root, 'commit', '-q', '-m', 'changes');

    const status = git(root, 'status', '--porcelain');
    const index = readFileSync(join(root, '.git/index'));
    const result = await cli(root, 'diff', '--base', 'HEAD~1', '--format', 'markdown');
    expect(result.stderr).toBe('');
    // A canary weighted 25% at once on a live production model: refused, with the first step
    // (the canary at weight 0) named.
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
