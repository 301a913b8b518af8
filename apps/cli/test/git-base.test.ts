/**
 * What the promotion gate and `diff` take for "the base branch" and for "has run there" cannot be
 * faked from a pull request: a tag named like the base branch does not stand in for it, and a
 * release that only sat on a merged branch's commits never ran on main.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GitError, releaseHistory, resolveBase } from '../src/git.ts';
import { cleanup, cli } from './support.ts';
import { bundledRepository, commit, edit, git } from './git-fixture.ts';

afterEach(cleanup);

const STAGING_WHISPER = 'environments/staging/models/whisper.yaml';
const PRODUCTION_WHISPER = 'environments/production/models/whisper.yaml';
const RELEASE = 'repository: s3://models/whisper/2024-11-20';
const EVIL = 'repository: s3://models/whisper/evil';

describe('the base branch', () => {
  it('is the branch, not a tag that borrows its name', () => {
    const root = bundledRepository('git-base-tag');
    const main = git(root, 'rev-parse', 'HEAD').trim();
    git(root, 'update-ref', 'refs/remotes/origin/main', main);
    edit(root, STAGING_WHISPER, RELEASE, EVIL);
    commit(root, 'staging runs a release main never had');
    git(root, 'tag', 'origin/main');
    git(root, 'reset', '-q', '--hard', main);

    expect(resolveBase(root, undefined).commit).toBe(main);
    expect(() => resolveBase(root, 'origin/main')).toThrow(GitError);
    expect(() => resolveBase(root, 'origin/main')).toThrow(/names more than one ref.*refs\/remotes\/origin\/main/);
    expect(resolveBase(root, 'refs/remotes/origin/main').commit).toBe(main);
  });

  it('has run only what its own history held, not the commits of a merged branch', async () => {
    const root = bundledRepository('git-base-first-parent');
    git(root, 'switch', '-q', '-c', 'pr1');
    edit(root, STAGING_WHISPER, RELEASE, EVIL);
    commit(root, 'wip: staging runs evil');
    edit(root, STAGING_WHISPER, EVIL, RELEASE);
    edit(root, STAGING_WHISPER, 'weight: 10', 'weight: 5');
    commit(root, 'staging: canary at 5%');
    git(root, 'switch', '-q', 'main');
    git(root, 'merge', '-q', '--no-ff', '--no-edit', 'pr1');

    const versions = releaseHistory(root, git(root, 'rev-parse', 'HEAD').trim()).versions(STAGING_WHISPER);
    expect(versions.length).toBe(2);
    expect(versions.some((v) => v.includes(EVIL))).toBe(false);

    git(root, 'switch', '-q', '-c', 'pr2');
    edit(root, PRODUCTION_WHISPER, RELEASE, EVIL);
    const validate = await cli(root, 'validate', '--base', 'main');
    expect(validate.code).toBe(1);
    expect(validate.stderr).toMatch(/whisper\.yaml:\d+:\d+: error: the release of "whisper" \(s3:\/\/models\/whisper\/evil/);
  });
});
