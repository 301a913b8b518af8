/**
 * `diff --base <ref>` loads the base as it was: its specs from Git objects and the promotion
 * gate's "has run" from the history as of that revision. With dev ahead of staging over several
 * commits (the normal state), an older base validates and the diff shows only the real change.
 * A base whose specs truly do not validate, and the working tree's warnings, are said in every
 * format (and on stderr), with the diagnostics shown as code in Markdown.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadBasePlans } from '../src/base-plans.ts';
import { cleanup, cli } from './support.ts';
import { bundledRepository, commit, edit, git, markdownStructureProblem, outsideCode } from './git-fixture.ts';

afterEach(cleanup);

const DEV_WHISPER = 'environments/dev/models/whisper.yaml';
const STAGING_WHISPER = 'environments/staging/models/whisper.yaml';

/**
 * main: the examples → dev runs 2024-11-22 → staging promoted to it → dev runs 2024-12-01 → dev
 * runs 2024-12-05. At every commit from the third on, staging runs a release dev no longer runs:
 * only the history up to that commit proves dev ran it.
 */
function devAheadOfStaging(): string {
  const root = bundledRepository('diff-base');
  edit(root, DEV_WHISPER, 'whisper/2024-11-20', 'whisper/2024-11-22');
  commit(root, 'dev runs 2024-11-22');
  // What `promote` writes for this release (edited here so that this test does not depend on promote's rules).
  edit(root, STAGING_WHISPER, 'whisper/2024-11-20', 'whisper/2024-11-22');
  commit(root, 'staging runs 2024-11-22');
  edit(root, DEV_WHISPER, 'whisper/2024-11-22', 'whisper/2024-12-01');
  commit(root, 'dev runs 2024-12-01');
  edit(root, DEV_WHISPER, 'whisper/2024-12-01', 'whisper/2024-12-05');
  commit(root, 'dev runs 2024-12-05');
  return root;
}

const silentIo = (root: string) => {
  const err: string[] = [];
  return { io: { out: () => {}, err: (t: string) => err.push(t), cwd: root }, err };
};

describe('diff against an older base, dev ahead of staging', () => {
  it('loads every older base without a warning: its specs validate against its own history', async () => {
    const root = devAheadOfStaging();
    for (const ref of ['HEAD', 'HEAD~1', 'HEAD~2', 'HEAD~3', 'HEAD~4']) {
      const { io, err } = silentIo(root);
      const base = loadBasePlans({ root, base: ref }, io);
      if (typeof base === 'number') throw new Error(`${ref}: exit ${base}`);
      expect(err, ref).toEqual([]);
      expect(base.problems, ref).toBeUndefined();
      expect([...base.plans.keys()], ref).toEqual(['dev', 'production', 'staging']);
    }
  });

  it('shows only the real change against HEAD~1 (where staging runs what dev ran two commits before): dev moves on, nothing else', async () => {
    const root = devAheadOfStaging();
    expect(git(root, 'show', `HEAD~1:${STAGING_WHISPER}`)).toContain('whisper/2024-11-22');
    expect(git(root, 'show', `HEAD~1:${DEV_WHISPER}`)).toContain('whisper/2024-12-01');

    const json = await cli(root, 'diff', '--base', 'HEAD~1', '--format', 'json');
    expect(json.stderr).toBe('');
    expect(json.code).toBe(3);
    const report = JSON.parse(json.stdout) as {
      warnings: unknown[];
      environments: {
        environment: string;
        summary: { subject: string; what: string; before: string; after: string }[];
        objects: { key: string; change: string }[];
      }[];
    };
    expect(report.warnings).toEqual([]);
    expect(report.environments.map((e) => e.environment)).toEqual(['dev']);
    const [dev] = report.environments;
    expect(dev!.summary).toHaveLength(1);
    expect(dev!.summary[0]).toMatchObject({ subject: 'model whisper', what: 'release' });
    expect(dev!.summary[0]!.before).toContain('whisper/2024-12-01');
    expect(dev!.summary[0]!.after).toContain('whisper/2024-12-05');
    expect(dev!.objects.map((o) => `${o.change} ${o.key}`)).toEqual(['changed Deployment inference-dev/whisper']);

    const markdown = await cli(root, 'diff', '--base', 'HEAD~1', '--format', 'markdown');
    expect(markdown.stderr).toBe('');
    expect(markdown.stdout).not.toContain('Warning');
    expect(markdown.stdout).not.toContain('Truncated');
  });

  it("reads a base on another branch with that branch's history, not HEAD's", async () => {
    const root = devAheadOfStaging();
    git(root, 'checkout', '-q', '-b', 'elsewhere', 'HEAD~4');
    edit(root, DEV_WHISPER, 'whisper/2024-11-20', 'whisper/2024-11-23');
    commit(root, 'dev runs 2024-11-23');
    edit(root, STAGING_WHISPER, 'whisper/2024-11-20', 'whisper/2024-11-23');
    commit(root, 'staging runs 2024-11-23');
    edit(root, DEV_WHISPER, 'whisper/2024-11-23', 'whisper/2024-12-02');
    commit(root, 'dev runs 2024-12-02');
    git(root, 'checkout', '-q', 'main');
    const { io, err } = silentIo(root);
    const base = loadBasePlans({ root, base: 'elsewhere' }, io);
    if (typeof base === 'number') throw new Error(`exit ${base}`);
    expect(err).toEqual([]);
    expect(base.problems).toBeUndefined();
    const r = await cli(root, 'diff', '--base', 'elsewhere', '--env', 'staging');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('whisper/2024-11-23, models whisper -> nvcr.io/nvidia/tritonserver:24.10-py3, s3://models/whisper/2024-11-22');
  });

  it('a working-tree change against a base two commits back shows what changed in staging and dev, not every object as added', async () => {
    const root = devAheadOfStaging();
    const stagingWhisper = join(root, STAGING_WHISPER);
    writeFileSync(stagingWhisper, readFileSync(stagingWhisper, 'utf8').replace(/weight: \d+/, 'weight: 5'));
    const r = await cli(root, 'diff', '--base', 'HEAD~2', '--format', 'text');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(3);
    expect(r.stdout).not.toContain('warning');
    expect(r.stdout).toContain('environment dev: 1 change(s), 1 object(s)');
    expect(r.stdout).toMatch(/^ {2}model whisper: canary traffic: \d+%, header x-canary: true -> 5%, header x-canary: true$/m);
    expect(r.stdout).toContain('whisper/2024-11-22, models whisper -> nvcr.io/nvidia/tritonserver:24.10-py3, s3://models/whisper/2024-12-05');
    expect(r.stdout).not.toMatch(/^environment production/m);
  });
});

describe('a base whose specs do not validate', () => {
  /** The base has a model with a typo'd field whose value is markup; the working tree fixes it. */
  function brokenBase(): string {
    const root = bundledRepository('diff-broken-base');
    edit(root, DEV_WHISPER, '  gpuPool: t4\n', '  gpuPool: t4\n  gpuPoool: "<!-- ``` <img src=x onerror=alert(1)> @team"\n');
    commit(root, 'a typo');
    edit(root, DEV_WHISPER, '  gpuPoool: "<!-- ``` <img src=x onerror=alert(1)> @team"\n', '');
    commit(root, 'the typo fixed');
    return root;
  }

  it('says so on stderr, in text and in JSON: a count and the first diagnostics with file:line:col', async () => {
    const root = brokenBase();
    const text = await cli(root, 'diff', '--base', 'HEAD~1');
    expect(text.code).toBe(3);
    expect(text.stderr).toMatch(/^warning: the specs at HEAD~1 do not validate \(2 errors, 0 warnings\)/);
    expect(text.stdout).toMatch(
      /^warning: the specs at HEAD~1 \([0-9a-f]{12}\) do not validate \(2 errors, 0 warnings\): the diff compares with an empty base/m,
    );
    expect(text.stdout).toContain('    environments/dev/models/whisper.yaml:14:3: error:');

    const json = await cli(root, 'diff', '--base', 'HEAD~1', '--format', 'json');
    const { warnings } = JSON.parse(json.stdout) as { warnings: { about: string; errors: number; warnings: number; diagnostics: string[]; more: number }[] };
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ about: 'base', errors: 2, warnings: 0, more: 0 });
    expect(warnings[0]!.diagnostics[0]).toMatch(/^environments\/dev\/models\/whisper\.yaml:14:3: error: .*gpuPoool/);
  });

  it('puts a Warnings section near the top of the comment, the diagnostics as code: the spec text is never markup', async () => {
    const root = brokenBase();
    const r = await cli(root, 'diff', '--base', 'HEAD~1', '--format', 'markdown');
    expect(r.code).toBe(3);
    const md = r.stdout;
    const warnings = md.indexOf('### Warnings');
    expect(warnings).toBeGreaterThan(0);
    expect(warnings).toBeLessThan(md.indexOf('### dev'));
    expect(md).toMatch(/\*\*Warning\*\*: The specs at `HEAD~1 \([0-9a-f]{12}\)` do not validate \(2 errors, 0 warnings\)/);
    expect(md).toContain('environments/dev/models/whisper.yaml:14:3: error:');
    expect(md).toContain('<img src=x onerror=alert(1)>'); // shown, as code
    expect(markdownStructureProblem(md)).toBeUndefined();
    const markup = outsideCode(md);
    for (const raw of ['<!--', '<img', '@team']) expect(markup).not.toContain(raw);
  });
});

describe("the working tree's warnings", () => {
  it('appear in the comment (as code), the text and the JSON, and on stderr', async () => {
    const root = bundledRepository('diff-warnings');
    // dev's whisper autoscales, so a replica count is ignored: a warning, validate passes.
    edit(root, DEV_WHISPER, '  gpus: 1\n', '  gpus: 1\n  replicas: 2\n');
    edit(root, 'environments/staging/environment.yaml', 'samplingPercent: 10', 'samplingPercent: 20');
    const md = await cli(root, 'diff', '--base', 'HEAD', '--format', 'markdown');
    expect(md.code).toBe(3);
    expect(md.stderr).toContain('environments/dev/models/whisper.yaml:15:13: warning:');
    expect(md.stdout).toContain("**Warning**: The working tree's specs have 1 new warning");
    const [, fence] = /### Warnings\n\n.*\n\n```text\n(.*)\n/.exec(md.stdout) ?? [];
    expect(fence).toMatch(/^environments\/dev\/models\/whisper\.yaml:15:13: warning: /);
    expect(md.stdout.indexOf('### Warnings')).toBeLessThan(md.stdout.indexOf('### staging'));
    expect(markdownStructureProblem(md.stdout)).toBeUndefined();

    const text = await cli(root, 'diff', '--base', 'HEAD');
    expect(text.stdout).toContain("warning: the working tree's specs have 1 new warning");
    const json = JSON.parse((await cli(root, 'diff', '--base', 'HEAD', '--format', 'json')).stdout) as { warnings: { about: string; warnings: number }[] };
    expect(json.warnings).toEqual([expect.objectContaining({ about: 'working-tree', warnings: 1, errors: 0 })]);
  });
});
