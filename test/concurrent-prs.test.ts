/**
 * Two pull requests that each add, change or remove a different model merge without conflict,
 * and the merge result is what the merged specs render (`synth --check`). They can only if a
 * model's pull request writes nothing under flux/ besides that model's own files: no
 * environment-wide file (dashboard, notifications, Kustomizations, Helm releases) may list the
 * models (docs/architecture.md, "Concurrent pull requests").
 *
 * Each case runs in a Git repository started from the bundled examples, the way a team works:
 * `tritonops new model` or an edit, `tritonops synth`, a commit per branch, then `git merge` of
 * both branches into main.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUNDLED, REPO_ROOT, runCli, tempDir } from './support/workspace.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

interface Repo {
  readonly path: string;
  git(...args: string[]): string;
  tritonops(...args: string[]): Promise<void>;
  edit(file: string, from: string, to: string): void;
}

const IDENTITY = ['-c', 'user.name=Team', '-c', 'user.email=team@example.com', '-c', 'commit.gpgsign=false'];

/** A repository whose main branch holds the bundled examples and their render. */
async function teamRepository(): Promise<Repo> {
  const dir = tempDir('concurrent-prs');
  cleanups.push(dir.remove);
  const path = join(dir.path, 'repo');
  cpSync(join(BUNDLED, 'environments'), join(path, 'environments'), { recursive: true });
  // The attributes this repository ships, which a team's repository has too: flux/ is never merged line by line.
  cpSync(join(REPO_ROOT, '.gitattributes'), join(path, '.gitattributes'));
  const repo: Repo = {
    path,
    git: (...args) => execFileSync('git', [...IDENTITY, ...args], { cwd: path, encoding: 'utf8', stdio: 'pipe' }),
    tritonops: async (...args) => {
      const result = await runCli(args, path);
      expect(result.code, `tritonops ${args.join(' ')}: ${result.stderr}`).toBe(0);
    },
    edit: (file, from, to) => {
      const full = join(path, file);
      const text = readFileSync(full, 'utf8');
      expect(text, `${file} holds ${from}`).toContain(from);
      writeFileSync(full, text.replace(from, to));
    },
  };
  repo.git('init', '--quiet', '--initial-branch=main');
  await repo.tritonops('synth');
  repo.git('add', '-A');
  repo.git('commit', '--quiet', '-m', 'Start from the bundled examples');
  expect(repo.git('check-attr', 'merge', '--', 'flux/models/dev/models/whisper/whisper.yaml')).toMatch(/: merge: unset$/m);
  return repo;
}

/** Makes a branch off main, applies `change`, renders it and commits it, as a pull request would. */
async function pullRequest(repo: Repo, branch: string, change: () => Promise<void> | void, synthArgs: string[] = []): Promise<void> {
  repo.git('checkout', '--quiet', '-b', branch, 'main');
  await change();
  await repo.tritonops('synth', ...synthArgs);
  repo.git('add', '-A');
  repo.git('commit', '--quiet', '-m', branch);
  repo.git('checkout', '--quiet', 'main');
}

/** The paths under flux/ a branch changes against main. */
function renderedChanges(repo: Repo, branch: string): string[] {
  return repo.git('diff', '--name-only', `main...${branch}`, '--', 'flux').split('\n').filter(Boolean);
}

/** Whether `path` is one of the files of a model or pipeline of `names` in `env`. */
function ownFile(path: string, env: string, names: readonly string[]): boolean {
  return names.some(
    (n) =>
      path === `flux/clusters/${env}/models/${n}.yaml` ||
      path === `flux/clusters/${env}/pipelines/${n}.yaml` ||
      path.startsWith(`flux/models/${env}/models/${n}/`) ||
      path.startsWith(`flux/models/${env}/pipelines/${n}/`),
  );
}

/** Merges each branch into main (`git merge --no-edit`), failing with Git's own report on a conflict. */
function mergeAll(repo: Repo, branches: readonly string[]): void {
  for (const branch of branches) {
    const merge = spawnSync('git', [...IDENTITY, 'merge', '--no-ff', '--no-edit', branch], { cwd: repo.path, encoding: 'utf8' });
    const conflicts = merge.status === 0 ? '' : repo.git('diff', '--name-only', '--diff-filter=U');
    expect(merge.status, `merging ${branch} conflicts in:\n${conflicts}\n${merge.stdout}${merge.stderr}`).toBe(0);
  }
}

async function expectUpToDate(repo: Repo): Promise<void> {
  const check = await runCli(['synth', '--check'], repo.path);
  expect(check.code, check.stdout + check.stderr).toBe(0);
  expect(check.stdout).toMatch(/^ok: flux\/ is up to date/);
}

describe('two pull requests that touch different models', () => {
  it('each adding a model to dev (one also changing an existing model and adding a pipeline) merge without conflict, and the merge is rendered', async () => {
    const repo = await teamRepository();
    await pullRequest(repo, 'add-bert', () => repo.tritonops('new', 'model', 'bert', '--env', 'dev', '--pool', 't4'));
    await pullRequest(repo, 'add-gpt', async () => {
      await repo.tritonops('new', 'model', 'gpt', '--env', 'dev', '--pool', 't4');
      repo.edit('environments/dev/models/densenet.yaml', 's3://models/densenet/2024-10-01', 's3://models/densenet/2024-12-01');
      await repo.tritonops('new', 'pipeline', 'captioning', '--env', 'dev');
    });

    // What makes the merge clean: each pull request's render touches only its own models' files.
    expect(renderedChanges(repo, 'add-bert')).toEqual(['flux/clusters/dev/models/bert.yaml', 'flux/models/dev/models/bert/bert.yaml']);
    const gpt = renderedChanges(repo, 'add-gpt');
    expect(gpt).toEqual(expect.arrayContaining(['flux/clusters/dev/models/gpt.yaml', 'flux/models/dev/models/densenet/densenet.yaml']));
    expect(gpt.some((p) => p.startsWith('flux/models/dev/pipelines/captioning/'))).toBe(true);
    expect(gpt.filter((p) => !ownFile(p, 'dev', ['gpt', 'densenet', 'captioning']))).toEqual([]);

    mergeAll(repo, ['add-bert', 'add-gpt']);
    for (const path of ['flux/models/dev/models/bert/bert.yaml', 'flux/models/dev/models/gpt/gpt.yaml', 'flux/clusters/dev/pipelines/captioning.yaml'])
      expect(existsSync(join(repo.path, path)), path).toBe(true);
    await expectUpToDate(repo);
  }, 180_000);

  it('one changing a dev model and one removing a production model merge without conflict, and the merge is rendered', async () => {
    const repo = await teamRepository();
    await pullRequest(repo, 'whisper-max-3', () => repo.edit('environments/dev/models/whisper.yaml', 'maxReplicas: 2', 'maxReplicas: 3'));
    await pullRequest(repo, 'retire-llama', () => rmSync(join(repo.path, 'environments/production/models/llama-7b.yaml')), ['--allow-removal']);

    expect(renderedChanges(repo, 'whisper-max-3')).toEqual(['flux/models/dev/models/whisper/whisper.yaml']);
    expect(renderedChanges(repo, 'retire-llama')).toEqual([
      'flux/clusters/production/models/llama-7b.yaml',
      'flux/models/production/models/llama-7b/llama-7b.yaml',
    ]);

    mergeAll(repo, ['whisper-max-3', 'retire-llama']);
    expect(existsSync(join(repo.path, 'flux/models/production/models/llama-7b'))).toBe(false);
    expect(readFileSync(join(repo.path, 'flux/models/dev/models/whisper/whisper.yaml'), 'utf8')).toMatch(/maxReplicaCount: 3\b/);
    await expectUpToDate(repo);
  }, 180_000);

  it('the first models with canary analysis turn Flagger on in both pull requests: identical environment-wide changes, which Git merges', async () => {
    // The one environment-wide change a model makes: Flagger is installed while some model uses
    // analysis. Two pull requests that both start using it make the same change, byte for byte.
    const analysis = '  canary:\n    analysis:\n      stepWeight: 10\n      maxWeight: 50\n      successRate: 99\n';
    const repo = await teamRepository();
    await pullRequest(repo, 'analyse-densenet', () => writeFileSync(join(repo.path, 'environments/dev/models/densenet.yaml'), analysis, { flag: 'a' }));
    await pullRequest(repo, 'add-bert-analysed', async () => {
      await repo.tritonops('new', 'model', 'bert', '--env', 'dev');
      writeFileSync(join(repo.path, 'environments/dev/models/bert.yaml'), analysis, { flag: 'a' });
    });

    const flagger = [
      'flux/infrastructure/dev/flagger.yaml',
      'flux/infrastructure/dev/helm-repositories.yaml',
      'flux/models/dev/environment/flagger-metrics.yaml',
    ];
    for (const branch of ['analyse-densenet', 'add-bert-analysed']) {
      const envWide = renderedChanges(repo, branch).filter((p) => !ownFile(p, 'dev', ['densenet', 'bert']));
      expect(envWide, branch).toEqual(flagger);
    }
    for (const path of flagger) expect(repo.git('rev-parse', `analyse-densenet:${path}`), path).toBe(repo.git('rev-parse', `add-bert-analysed:${path}`));

    mergeAll(repo, ['analyse-densenet', 'add-bert-analysed']);
    await expectUpToDate(repo);
  }, 180_000);

  it('one dropping the last canary analysis while the other adds one: Git merges, synth --check flags the stale render, and synth after the merge repairs it', async () => {
    const analysis = '  canary:\n    analysis:\n      stepWeight: 10\n      maxWeight: 50\n      successRate: 99\n';
    const repo = await teamRepository();
    const densenet = 'environments/dev/models/densenet.yaml';
    const plain = readFileSync(join(repo.path, densenet), 'utf8');
    await pullRequest(repo, 'analyse-densenet', () => writeFileSync(join(repo.path, densenet), plain + analysis));
    mergeAll(repo, ['analyse-densenet']);

    // A turns Flagger off (no model uses analysis any more); B, branched before, adds a model that
    // does, and its render leaves Flagger's files as main had them.
    await pullRequest(repo, 'plain-densenet', () => writeFileSync(join(repo.path, densenet), plain));
    await pullRequest(repo, 'add-bert-analysed', async () => {
      await repo.tritonops('new', 'model', 'bert', '--env', 'dev');
      writeFileSync(join(repo.path, 'environments/dev/models/bert.yaml'), analysis, { flag: 'a' });
    });
    expect(renderedChanges(repo, 'plain-densenet')).toContain('flux/infrastructure/dev/flagger.yaml');
    expect(renderedChanges(repo, 'add-bert-analysed').filter((p) => !ownFile(p, 'dev', ['bert']))).toEqual([]);

    mergeAll(repo, ['plain-densenet', 'add-bert-analysed']);
    // No textual conflict, but the merged flux/ lacks the Flagger that bert's analysis needs.
    const stale = await runCli(['synth', '--check'], repo.path);
    expect(stale.code).toBe(1);
    expect(stale.stdout + stale.stderr).toContain('flux/infrastructure/dev/flagger.yaml');
    // The resolution docs/architecture.md gives: render the merged specs and commit the result.
    await repo.tritonops('synth');
    expect(existsSync(join(repo.path, 'flux/infrastructure/dev/flagger.yaml'))).toBe(true);
    await expectUpToDate(repo);
  }, 180_000);
});

describe('two pull requests that change the same model', () => {
  it('conflict in the spec; flux/ keeps a whole render (no conflict markers), so synth after resolving the spec settles it', async () => {
    const repo = await teamRepository();
    const whisper = 'environments/dev/models/whisper.yaml';
    const rendered = 'flux/models/dev/models/whisper/whisper.yaml';
    await pullRequest(repo, 'whisper-max-3', () => repo.edit(whisper, 'maxReplicas: 2', 'maxReplicas: 3'));
    await pullRequest(repo, 'whisper-max-4', () => repo.edit(whisper, 'maxReplicas: 2', 'maxReplicas: 4'));
    mergeAll(repo, ['whisper-max-3']);
    const merge = spawnSync('git', [...IDENTITY, 'merge', '--no-edit', 'whisper-max-4'], { cwd: repo.path, encoding: 'utf8' });
    expect(merge.status).toBe(1);
    expect(repo.git('diff', '--name-only', '--diff-filter=U').split('\n').filter(Boolean)).toEqual([whisper, rendered]);
    // The spec has Git's markers to resolve; the rendered file is main's, whole, and only declared conflicted.
    expect(readFileSync(join(repo.path, whisper), 'utf8')).toContain('<<<<<<<');
    expect(readFileSync(join(repo.path, rendered), 'utf8')).toBe(repo.git('show', `main:${rendered}`));

    // The resolution: settle the spec, render, add, commit.
    const resolved = readFileSync(join(repo.path, whisper), 'utf8').replace(/<<<<<<< .*\n(.*\n)=======\n.*\n>>>>>>> .*\n/, '$1');
    expect(resolved).not.toMatch(/^(<<<<<<<|=======|>>>>>>>)/m);
    writeFileSync(join(repo.path, whisper), resolved);
    await repo.tritonops('synth');
    repo.git('add', '-A');
    repo.git('commit', '--quiet', '--no-edit');
    await expectUpToDate(repo);
    expect(readFileSync(join(repo.path, rendered), 'utf8')).toMatch(/maxReplicaCount: 3\b/);
  }, 180_000);
});
