/**
 * The Changes page's API over real HTTP, on a Git copy of the bundled environments whose first
 * commit holds their render: GET /api/changes is `tritonops diff` (its JSON and, byte for byte, its
 * text), and POST /api/commit renders, then commits only environments/ and flux/ on a new branch —
 * or refuses, committing nothing.
 */
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangesResponse, CommitResponse } from '@tritonops/ui/api';
import { bundledRepository, commit, edit, git } from './git-fixture.ts';
import { commitOnNewBranch, GitError } from '../src/git.ts';
import { runCli } from './run-cli.ts';
import { cleanup, copyOfEnvironments } from './support.ts';
import { startTestPanel, type TestPanel } from './ui-panel.ts';

const DEV_WHISPER = 'environments/dev/models/whisper.yaml';
const CANARY_WEIGHT = '    weight: 0\n    header:';

let panel: TestPanel;
let root: string;

const head = () => git(root, 'rev-parse', 'HEAD').trim();
const branches = () => git(root, 'branch', '--format=%(refname:short)').trim().split('\n').sort();
const read = (rel: string) => readFileSync(join(root, rel), 'utf8');

/** POSTs a commit that must be refused: the answer's message, with HEAD, the branches and the index unchanged. */
async function refusedCommit(branch: string, message: string): Promise<Extract<CommitResponse, { ok: false }>> {
  const [before, known, index] = [head(), branches(), git(root, 'diff', '--cached', '--name-only')];
  const { status, data } = await panel.api<CommitResponse>('POST', '/api/commit', { branch, message });
  expect(status).toBe(200);
  expect(data.ok).toBe(false);
  expect(head()).toBe(before);
  expect(branches()).toEqual(known);
  expect(git(root, 'diff', '--cached', '--name-only')).toBe(index);
  return data as Extract<CommitResponse, { ok: false }>;
}

beforeAll(async () => {
  root = bundledRepository('ui-changes');
  git(root, 'config', 'user.name', 'Panel Test');
  git(root, 'config', 'user.email', 'panel@example.invalid');
  writeFileSync(join(root, 'README.md'), '# fleet\n');
  expect((await runCli(['synth'], root)).code).toBe(0);
  commit(root, 'the bundled examples, rendered');
  panel = await startTestPanel(root);
});

afterAll(async () => {
  await panel.close();
  cleanup();
});

describe('GET /api/changes', () => {
  it("shows a canary weight edit as diff does: the summary item, the transition, diff's text byte for byte", async () => {
    edit(root, DEV_WHISPER, CANARY_WEIGHT, '    weight: 20\n    header:');
    const { status, data } = await panel.api<ChangesResponse>('GET', '/api/changes');
    expect(status).toBe(200);
    expect(data.ok).toBe(true);
    expect(data.branch).toBe('main');
    expect(data.changedSpecs).toEqual([DEV_WHISPER]);
    const dev = data.diff!.environments.find((e) => e.environment === 'dev')!;
    expect(data.diff!.environments.map((e) => e.environment)).toEqual(['dev']);
    expect(dev.summary).toContainEqual({
      subject: 'model whisper',
      what: 'canary traffic',
      before: '0%, header x-canary: true',
      after: '20%, header x-canary: true',
    });
    expect(dev.transitions.some((t) => t.subject === 'model whisper' && t.at.file === DEV_WHISPER)).toBe(true);
    expect(dev.objects.length).toBeGreaterThan(0);
    const cli = await runCli(['diff'], root);
    expect(cli.code).toBe(3);
    expect(data.text).toBe(cli.stdout);
  });

  it('answers again from memory only while nothing it depends on moved: a file under flux/ shows and goes', async () => {
    const first = (await panel.api<ChangesResponse>('GET', '/api/changes')).data;
    expect((await panel.api<ChangesResponse>('GET', '/api/changes')).data).toEqual(first);
    writeFileSync(join(root, 'flux/NOTES.md'), 'not rendered\n');
    try {
      const planted = (await panel.api<ChangesResponse>('GET', '/api/changes')).data;
      expect(planted.diff!.unrendered).toEqual([{ path: 'flux/NOTES.md', change: 'added' }]);
    } finally {
      rmSync(join(root, 'flux/NOTES.md'));
    }
    expect((await panel.api<ChangesResponse>('GET', '/api/changes')).data.diff!.unrendered).toEqual([]);
  });

  it("answers ok:false with the CLI's own stderr when the specs have errors", async () => {
    const text = read(DEV_WHISPER);
    try {
      edit(root, DEV_WHISPER, '  gpus: 1\n', '  gpus: lots\n');
      const { data } = await panel.api<ChangesResponse>('GET', '/api/changes');
      expect(data.ok).toBe(false);
      expect(data.diff).toBeUndefined();
      expect(data.stderr).toBe((await runCli(['diff'], root)).stderr.trimEnd());
      expect(data.stderr).toContain('diff needs valid specs in the working tree');
    } finally {
      writeFileSync(join(root, DEV_WHISPER), text);
    }
  });
});

describe('POST /api/commit refuses, committing nothing', () => {
  it('an existing branch, an invalid branch name, an empty message', async () => {
    expect((await refusedCommit('main', 'dev: whisper canary')).message).toBe('a branch "main" already exists; nothing was committed');
    expect((await refusedCommit('bad..name', 'dev: whisper canary')).message).toBe('"bad..name" is not a valid branch name; nothing was committed');
    expect((await refusedCommit('@{-1}', 'dev: whisper canary')).message).toContain('is not a valid branch name');
    const empty = await refusedCommit('tritonops/new', ' \n ');
    expect(empty.message).toBe('the commit message is empty; nothing was committed');
    expect(empty.hint).toBeTruthy();
  });

  it('staged changes, saying the panel commits only what it renders', async () => {
    git(root, 'add', DEV_WHISPER);
    try {
      const refused = await refusedCommit('tritonops/staged', 'dev: whisper canary');
      expect(refused.message).toContain(`the index already has staged changes (${DEV_WHISPER})`);
      expect(refused.hint).toContain('commits only what it renders');
    } finally {
      git(root, 'reset', '-q', '--', DEV_WHISPER);
    }
  });

  it("specs that do not validate, with the validator's diagnostics", async () => {
    const text = read(DEV_WHISPER);
    try {
      edit(root, DEV_WHISPER, '  gpus: 1\n', '  gpus: lots\n');
      const refused = await refusedCommit('tritonops/invalid', 'dev: whisper');
      expect(refused.message).toMatch(/^the specs do not validate \(\d+ errors?, \d+ warnings?\); nothing was committed$/);
      expect(refused.diagnostics.some((d) => d.severity === 'error' && d.file === DEV_WHISPER && d.path?.join('.') === 'spec.gpus')).toBe(true);
    } finally {
      writeFileSync(join(root, DEV_WHISPER), text);
    }
  });

  // From here on, the working tree has the first test's canary weight change (20%) to commit.
  it("branch names that would read as a full ref or as the remote's branch", async () => {
    git(root, 'remote', 'add', 'origin', 'git@github.com:acme/fleet.git');
    try {
      expect((await refusedCommit('refs/heads/x', 'dev: whisper')).message).toBe(
        '"refs/heads/x" would read as a full ref name, not a branch; nothing was committed',
      );
      expect((await refusedCommit('origin/main', 'dev: whisper')).message).toBe(
        '"origin/main" would read as a branch of the remote "origin"; nothing was committed',
      );
      for (const name of ['@', 'heads/main', 'tags/v1', 'remotes/x', 'HEAD/x', 'x/ORIG_HEAD'])
        expect((await refusedCommit(name, 'dev: whisper')).message).toBe(`"${name}" would read as another ref than a branch; nothing was committed`);
      git(root, 'tag', 'release-1');
      expect((await refusedCommit('release-1', 'dev: whisper')).message).toBe(
        'a tag "release-1" exists: the branch name would be ambiguous; nothing was committed',
      );
      git(root, 'tag', '-d', 'release-1');
    } finally {
      git(root, 'remote', 'remove', 'origin');
    }
  });

  it('changes under environments/ that are not model or pipeline specs, and files under flux/ tritonops did not render', async () => {
    const planted = [
      'environments/dev/.env',
      'environments/dev/models/.whisper.yaml.swp',
      'flux/secrets/s3.yaml',
      'environments/dev/models/.creds.yaml',
      'environments/.scratch/models/notes.yaml',
    ];
    const environment = read('environments/dev/environment.yaml');
    try {
      writeFileSync(join(root, planted[0]!), 'AWS_SECRET=x\n');
      writeFileSync(join(root, planted[1]!), 'swap\n');
      appendFileSync(join(root, 'environments/dev/environment.yaml'), '# a hand edit\n');
      const specs = await refusedCommit('tritonops/extras', 'dev: whisper');
      expect(specs.message).toBe(
        'environments/ has changes that are not model or pipeline specs (environments/dev/.env, environments/dev/environment.yaml, environments/dev/models/.whisper.yaml.swp); nothing was committed',
      );
      for (const path of planted.slice(0, 2)) rmSync(join(root, path));
      writeFileSync(join(root, 'environments/dev/environment.yaml'), environment);
      // Named like specs, but files the loader never reads (a dot-file, a dot-folder): not specs either.
      mkdirSync(join(root, 'environments/.scratch/models'), { recursive: true });
      writeFileSync(join(root, planted[3]!), 'AWS_SECRET_ACCESS_KEY: x\n');
      writeFileSync(join(root, planted[4]!), 'notes: x\n');
      expect((await refusedCommit('tritonops/extras', 'dev: whisper')).message).toBe(
        'environments/ has changes that are not model or pipeline specs (environments/.scratch/models/notes.yaml, environments/dev/models/.creds.yaml); nothing was committed',
      );
      rmSync(join(root, 'environments/.scratch'), { recursive: true });
      rmSync(join(root, planted[3]!));
      writeFileSync(join(root, 'environments/dev/environment.yaml'), environment);
      mkdirSync(join(root, 'flux/secrets'));
      writeFileSync(join(root, planted[2]!), 'apiVersion: v1\nkind: Secret\nmetadata: { name: s3 }\n');
      const flux = await refusedCommit('tritonops/extras', 'dev: whisper');
      expect(flux.message).toBe('flux/ has changes tritonops did not render (flux/secrets/s3.yaml); nothing was committed');
    } finally {
      for (const path of planted) rmSync(join(root, path), { force: true });
      rmSync(join(root, 'flux/secrets'), { recursive: true, force: true });
      writeFileSync(join(root, 'environments/dev/environment.yaml'), environment);
      git(root, 'checkout', '-q', '--', 'flux');
    }
  });

  it('a change diff refuses (a canary and its routes removed in one step), naming the first step', async () => {
    const text = read(DEV_WHISPER);
    try {
      // The committed spec (a drained canary with a header route) without its canary.
      const committed = git(root, 'show', `HEAD:${DEV_WHISPER}`);
      expect(committed).toContain(CANARY_WEIGHT);
      writeFileSync(join(root, DEV_WHISPER), committed.slice(0, committed.indexOf('  # The next build')).trimEnd() + '\n');
      expect(read(DEV_WHISPER)).not.toContain('canary');
      const refused = await refusedCommit('tritonops/abort', 'dev: drop the canary');
      expect(refused.message).toBe('this change needs two steps: merge the first step named below on its own, then the rest; nothing was committed');
      expect(refused.hint).toContain('dev: model whisper: set `canary.weight: 0` and remove `canary.header` and `canary.mirror`');
    } finally {
      writeFileSync(join(root, DEV_WHISPER), text);
      git(root, 'checkout', '-q', '--', 'flux');
    }
  });

  it('a change diff cannot judge, for want of a base to compare with', async () => {
    const plain = bundledRepository('ui-changes-no-base');
    git(plain, 'config', 'user.name', 'Panel Test');
    git(plain, 'config', 'user.email', 'panel@example.invalid');
    expect((await runCli(['synth'], plain)).code).toBe(0);
    commit(plain, 'rendered');
    git(plain, 'branch', '-m', 'main', 'trunk');
    edit(plain, DEV_WHISPER, CANARY_WEIGHT, '    weight: 20\n    header:');
    const other = await startTestPanel(plain);
    try {
      const { data } = await other.api<CommitResponse>('POST', '/api/commit', { branch: 'tritonops/x', message: 'x' });
      expect(data).toMatchObject({ ok: false, message: 'tritonops diff could not compare the change with its base; nothing was committed' });
      expect((data as { hint?: string }).hint).toContain('found neither origin/main nor main');
      expect(git(plain, 'branch', '--format=%(refname:short)').trim()).toBe('trunk');
    } finally {
      await other.close();
    }
  });

  it('outside a Git repository', async () => {
    const plain = copyOfEnvironments('ui-changes-no-git');
    const other = await startTestPanel(plain);
    try {
      const { data } = await other.api<CommitResponse>('POST', '/api/commit', { branch: 'tritonops/x', message: 'x' });
      expect(data).toMatchObject({ ok: false, message: `${plain} is not a Git repository; nothing was committed` });
    } finally {
      await other.close();
    }
  });
});

describe('commitOnNewBranch', () => {
  it('puts HEAD, the index and the branches back when what was staged is refused', () => {
    const [before, known] = [head(), branches()];
    const seen: string[] = [];
    expect(() =>
      commitOnNewBranch(root, 'tritonops/verify', [DEV_WHISPER], 'x\n', (staged) => {
        seen.push(...staged.map((e) => `${e.mode} ${e.path} ${e.content?.includes('weight: 20') ? 'edited' : ''}`));
        throw new GitError('refused by the check');
      }),
    ).toThrow('refused by the check');
    // The check saw the staged bytes, not a listing.
    expect(seen).toEqual([`100644 ${DEV_WHISPER} edited`]);
    expect([head(), branches(), git(root, 'diff', '--cached', '--name-only')]).toEqual([before, known, '']);
    expect(git(root, 'symbolic-ref', '--short', 'HEAD').trim()).toBe('main');
  });
});

describe('POST /api/commit', () => {
  it('renders, then commits exactly environments/ and flux/ on a new branch; other changes stay uncommitted', async () => {
    const base = head();
    // A hand edit under flux/ is overwritten by the render, never committed; files outside stay as they are.
    const rendered = git(root, 'ls-files', 'flux/models/dev').trim().split('\n')[0]!;
    appendFileSync(join(root, rendered), '# a hand edit\n');
    writeFileSync(join(root, 'notes.txt'), 'not for the commit\n');
    appendFileSync(join(root, 'README.md'), 'more\n');
    const message = 'dev: whisper canary 0% → 20%\n\n- model whisper: canary traffic: 0% → 20%';
    const { status, data } = await panel.api<CommitResponse>('POST', '/api/commit', { branch: 'tritonops/whisper-20', message });
    expect(status).toBe(200);
    if (!data.ok) throw new Error(`refused: ${data.message}`);
    expect(git(root, 'symbolic-ref', '--short', 'HEAD').trim()).toBe('tritonops/whisper-20');
    expect(data.commit).toBe(head());
    expect(git(root, 'rev-parse', 'HEAD~1').trim()).toBe(base);
    const committed = git(root, 'diff-tree', '--no-commit-id', '--name-only', '-r', 'HEAD').trim().split('\n');
    expect(data.files).toEqual(committed);
    expect(committed).toContain(DEV_WHISPER);
    expect(committed.some((f) => f.startsWith('flux/'))).toBe(true);
    expect(committed.every((f) => f.startsWith('environments/') || f.startsWith('flux/'))).toBe(true);
    expect(committed).not.toContain(rendered); // the hand edit was undone by the render
    expect(git(root, 'log', '-1', '--format=%B').trimEnd()).toBe(message);
    // The commit's flux/ is a fresh render of its specs.
    expect(git(root, 'status', '--porcelain', '--', 'environments', 'flux')).toBe('');
    expect((await runCli(['synth', '--check'], root)).code).toBe(0);
    expect([...data.uncommitted].sort()).toEqual(['README.md', 'notes.txt']);
    expect(git(root, 'status', '--porcelain', '--', 'README.md', 'notes.txt')).toBe(' M README.md\n?? notes.txt\n');
    expect(data.push).toBe('git push -u origin tritonops/whisper-20');
    expect(data.pullRequest).toBeUndefined();
    expect(data.next).toContain('open a pull request on your Git host');
    // Nothing was pushed (there is no remote at all) and the panel sees the new branch.
    expect(git(root, 'remote').trim()).toBe('');
    expect((await panel.api<ChangesResponse>('GET', '/api/changes')).data.branch).toBe('tritonops/whisper-20');
  });

  it('nothing to commit once environments/ and flux/ are as HEAD has them', async () => {
    const refused = await refusedCommit('tritonops/nothing', 'nothing');
    expect(refused.message).toBe('nothing to commit: environments/ and flux/ are as HEAD has them');
  });

  it("names the host's pull request command from origin: gh for GitHub, glab for GitLab", async () => {
    for (const [url, command] of [
      ['git@github.com:acme/fleet.git', 'gh pr create --fill --head tritonops/github'],
      ['https://gitlab.example.com/acme/fleet.git', 'glab mr create --fill --source-branch tritonops/gitlab'],
    ] as const) {
      git(root, 'remote', 'add', 'origin', url);
      try {
        edit(root, DEV_WHISPER, '    weight: 20\n', '    weight: 30\n');
        const branch = command.split(' ').at(-1)!;
        const { data } = await panel.api<CommitResponse>('POST', '/api/commit', { branch, message: 'dev: whisper canary 30%' });
        expect(data).toMatchObject({ ok: true, push: `git push -u origin ${branch}`, pullRequest: command });
        edit(root, DEV_WHISPER, '    weight: 30\n', '    weight: 20\n');
        await panel.api<CommitResponse>('POST', '/api/commit', { branch: `${branch}-back`, message: 'back' });
      } finally {
        git(root, 'remote', 'remove', 'origin');
      }
    }
  });
});
