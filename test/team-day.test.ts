/**
 * A team's day with tritonops, scripted on a Git repository of its own (started from the bundled
 * examples): every step is what a person or the CI workflows run, and every pull request is checked
 * the way the pull-request workflow checks it before it is merged into main.
 *
 * 1. A model is added in dev; the PR check is green.
 * 2. Two pull requests opened from the same main (a new model, and a new release of another) merge
 *    one after the other without a conflict, and main still renders to its committed flux/.
 * 3. The releases are promoted dev → staging: release fields only, staging's canary survives; a
 *    promotion to production from the same branch is refused (staging has not run it on main).
 * 4. Once that is merged, staging → production passes the gate, read from main.
 * All along, the diff comment stays under the host's limit.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED, runCli, tempDir } from './support/workspace.ts';

/** GitHub's limit for a comment; GitLab's for a note is larger. */
const GITHUB_COMMENT_LIMIT = 65_536;
/** What the workflows ask of `diff`, leaving room for the marker line they prepend. */
const MAX_LENGTH = 60_000;

/** Keys of a Model spec that promotion may change (docs/promotion.md). */
const RELEASE_KEYS = ['image', 'repository', 'models', 'args', 'signatures'];

let repo = '';
let remove = () => {};

const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Team', '-c', 'user.email=team@example.com', '-c', 'commit.gpgsign=false', ...args], {
    cwd: repo,
    encoding: 'utf8',
    stdio: 'pipe',
  });

const cli = async (...args: string[]) => {
  const result = await runCli(args, repo);
  return { ...result, all: `${result.stdout}\n${result.stderr}` };
};

const spec = (env: string, model: string) =>
  (parse(readFileSync(join(repo, `environments/${env}/models/${model}.yaml`), 'utf8')) as { spec: Record<string, unknown> }).spec;

const without = (s: Record<string, unknown>, keys: readonly string[]) => Object.fromEntries(Object.entries(s).filter(([k]) => !keys.includes(k)));

/** What the pull-request workflow runs on the branch checked out now, against main. */
async function pullRequestCheck(): Promise<{ comment: string }> {
  const validate = await cli('validate');
  expect(validate.code, validate.all).toBe(0);
  const check = await cli('synth', '--check');
  expect(check.code, check.all).toBe(0);
  const diff = await cli('diff', '--base', 'main', '--format', 'markdown', '--max-length', String(MAX_LENGTH));
  expect(diff.code, diff.all).toBe(3);
  expect(diff.stdout.length).toBeLessThanOrEqual(MAX_LENGTH);
  expect(diff.stdout.length + '<!-- tritonops-diff -->\n'.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
  const twoSteps = await cli('validate', '--base', 'main');
  expect(twoSteps.code, twoSteps.all).toBe(0);
  return { comment: diff.stdout };
}

/** Commits everything on `branch` (made from main) and returns to main. */
async function openPullRequest(branch: string, change: () => Promise<void>): Promise<{ comment: string }> {
  git('switch', '--quiet', '-c', branch, 'main');
  await change();
  const synth = await cli('synth');
  expect(synth.code, synth.all).toBe(0);
  git('add', '-A', 'environments', 'flux');
  git('commit', '--quiet', '-m', branch);
  return pullRequestCheck();
}

function merge(branch: string): void {
  git('switch', '--quiet', 'main');
  // A conflict makes `git merge` exit non-zero, which throws here.
  git('merge', '--quiet', '--no-ff', '--no-edit', branch);
}

beforeAll(async () => {
  const dir = tempDir('team-day');
  remove = dir.remove;
  repo = join(dir.path, 'repo');
  cpSync(join(BUNDLED, 'environments'), join(repo, 'environments'), { recursive: true });
  git('init', '--quiet', '-b', 'main');
  expect((await cli('synth')).code).toBe(0);
  git('add', '-A');
  git('commit', '--quiet', '-m', 'Start from the bundled examples');
}, 120_000);

afterAll(() => remove());

describe('a team day on its own repository', () => {
  it('adds a model in dev: the pull-request check is green and the comment fits', async () => {
    const pr = await openPullRequest('add-bert', async () => {
      const added = await cli('new', 'model', 'bert', '--env', 'dev', '--pool', 't4');
      expect(added.code, added.all).toBe(0);
    });
    expect(pr.comment).toContain('bert');
    merge('add-bert');
  }, 180_000);

  it('merges two pull requests opened from the same main without a conflict', async () => {
    await openPullRequest('add-gpt', async () => {
      expect((await cli('new', 'model', 'gpt', '--env', 'dev', '--pool', 't4')).code).toBe(0);
    });
    await openPullRequest('whisper-release', async () => {
      const file = join(repo, 'environments/dev/models/whisper.yaml');
      const text = readFileSync(file, 'utf8');
      expect(text).toContain('repository: s3://models/whisper/2024-11-20\n');
      writeFileSync(file, text.replace('repository: s3://models/whisper/2024-11-20\n', 'repository: s3://models/whisper/2024-12-01\n'));
    });
    merge('add-gpt');
    merge('whisper-release');
    expect(git('status', '--porcelain')).toBe('');
    const check = await cli('synth', '--check');
    expect(check.code, check.all).toBe(0);
    expect(spec('dev', 'whisper').repository).toBe('s3://models/whisper/2024-12-01');
    expect(git('ls-files', 'environments/dev/models')).toContain('gpt.yaml');
  }, 240_000);

  it('promotes to staging: release fields only, the canary stays; production must wait for main', async () => {
    const before = spec('staging', 'whisper');
    expect(before.canary).toMatchObject({ weight: 10 });
    await openPullRequest('promote-staging', async () => {
      const promoted = await cli('promote', 'whisper', 'bert', '--from', 'dev', '--to', 'staging');
      expect(promoted.code, promoted.all).toBe(0);
      expect(promoted.stdout).toMatch(/bert/);
    });
    const after = spec('staging', 'whisper');
    expect(after.repository).toBe('s3://models/whisper/2024-12-01');
    expect(after.canary).toEqual(before.canary);
    expect(without(after, RELEASE_KEYS)).toEqual(without(before, RELEASE_KEYS));
    expect(spec('staging', 'bert')).toMatchObject({ repository: spec('dev', 'bert').repository });

    // Still on the staging branch: staging's new release has not run on main, so production refuses it.
    const early = await cli('promote', 'whisper', '--from', 'staging', '--to', 'production');
    expect(early.code, early.all).not.toBe(0);
    expect(early.all).toMatch(/promotion-gate|has not run|main/);
    expect(git('status', '--porcelain')).toBe('');
    merge('promote-staging');
  }, 240_000);

  it('promotes to production once staging runs the release on main', async () => {
    const before = spec('production', 'whisper');
    const stableDiffusion = spec('production', 'stable-diffusion');
    await openPullRequest('promote-production', async () => {
      const promoted = await cli('promote', 'whisper', 'bert', '--from', 'staging', '--to', 'production');
      expect(promoted.code, promoted.all).toBe(0);
    });
    const after = spec('production', 'whisper');
    expect(after.repository).toBe('s3://models/whisper/2024-12-01');
    // Staging's canary is staging's traffic policy: it does not travel to production.
    expect(after.canary).toBeUndefined();
    expect(without(after, RELEASE_KEYS)).toEqual(without(before, RELEASE_KEYS));
    expect(spec('production', 'stable-diffusion')).toEqual(stableDiffusion);
    merge('promote-production');
    const check = await cli('synth', '--check');
    expect(check.code, check.all).toBe(0);
  }, 240_000);
});
