/**
 * A team's specs never break the tool's own tests. The repository's environments/ holds the
 * team's specs (it ships with the bundled examples); the tool's tests read the examples from their
 * fixture copy, test/fixtures/bundled/environments/, so `tritonops new model bert … && tritonops
 * synth`, committed, leaves `npm test` green.
 *
 * - Statically: no test file outside ALLOWLIST resolves a path under the repository's
 *   environments/ (or flux/, rendered from it), nor hands the repository root to anything that
 *   would read them (a CLI run, a render, a copy).
 * - Dynamically: in a repository started from the bundled examples, with a model added and
 *   rendered as a team would, what the pull-request workflow runs on the team's specs
 *   (`validate`, `synth --check`) succeeds.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUNDLED, REPO_ROOT, runCli, tempDir } from './support/workspace.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/**
 * The checks meant to run on the team's specs, whatever they hold: they read the repository's
 * environments/ (and flux/) on purpose. Each says why at its top.
 */
const ALLOWLIST: Record<string, string> = {
  'test/determinism.test.ts': 'the committed flux/ is what the specs render (synth --check), also in a fresh clone',
  'test/cluster-acceptance.test.ts': 'the "repository" world: the API server accepts whatever the team renders',
  'test/feedback-loops.test.ts': 'the "repository" world: promtool accepts the PromQL of whatever the team renders',
  'test/nx-environments.test.ts': "Nx loads every environment of this workspace as a project with the plugin's synth target",
  'test/team-specs.test.ts': 'this file: it clones the repository',
};

/** Uses of a root that take a computed, not literal, path: each with the reason it stays outside environments/. */
const COMPUTED: Record<string, string[]> = {
  // `dir` is one of SOURCE_DIRS and REGISTRY a source file: the checks read the tool's sources.
  'packages/planner/test/diagnostic-codes.test.ts': ['join(repoRoot, dir)', 'join(repoRoot, REGISTRY)'],
};

/** The names tests give the repository root. */
const ROOT_NAMES = ['REPO_ROOT', 'REPO', 'repoRoot'];

/** Every TypeScript file of the tool's tests: test/ (not its fixtures or the benchmark), apps/*\/test, packages/*\/test. */
function testFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(REPO_ROOT, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory() && !['node_modules', 'fixtures', 'golden', 'bench'].includes(entry.name)) walk(path);
      else if (entry.isFile() && /\.(ts|mts)$/.test(entry.name)) files.push(path);
    }
  };
  walk('test');
  for (const group of ['apps', 'packages']) {
    for (const name of readdirSync(join(REPO_ROOT, group))) if (existsSync(join(REPO_ROOT, group, name, 'test'))) walk(`${group}/${name}/test`);
  }
  return files.sort();
}

const UNDER_SPECS = /^(\.\/)?(environments|flux)(\/|$)/;

/** The uses in `text` of a repository root, or of a relative path, that can reach environments/ or flux/. */
function specReads(file: string, text: string): string[] {
  const found: string[] = [];
  const lines = text.split('\n');
  let inImport = false;
  for (const [i, line] of lines.entries()) {
    const at = `${file}:${i + 1}`;
    // Imports and exports name it; comments describe it; neither reads anything.
    const importing: boolean = inImport || /^\s*(import|export)\s*(type\s*)?\{/.test(line);
    inImport = importing && !line.includes('}');
    if (importing || /^\s*(\*|\/\/|\/\*)/.test(line)) continue;
    // A relative climb to the repository's environments/, from wherever the file is.
    for (const [literal] of line.matchAll(/['"`](\.\.\/)+(environments|flux)\b[^'"`]*['"`]/g)) found.push(`${at}: ${literal}`);
    // A root defined from import.meta.dirname must have a name this check knows.
    const defined = /\b(?:const|let)\s+(\w+)\s*=\s*resolve\(import\.meta\.dirname,\s*'((?:\.\.\/?)+)'\)/.exec(line);
    if (defined && resolve(REPO_ROOT, file, '..', defined[2]!) === REPO_ROOT && !ROOT_NAMES.includes(defined[1]!))
      found.push(`${at}: the repository root named ${defined[1]}, unknown to this check`);
    for (const name of ROOT_NAMES) {
      for (const match of line.matchAll(new RegExp(`\\b${name}\\b`, 'g'))) {
        const before = line.slice(0, match.index);
        const after = line.slice(match.index + name.length);
        // Its declaration names it, and a path relative to it is only a name: neither reads anything.
        if (/\b(const|let)\s+$/.test(before) || /\brelative\($/.test(before)) continue;
        // join(ROOT, 'literal') / resolve(ROOT, 'literal') / `${ROOT}/literal`: the literal decides.
        const joined = /(?:join|resolve)\($/.test(before) ? /^,\s*'([^']*)'/.exec(after) : null;
        const templated = /\$\{$/.test(before) ? /^\}\/([^`]*)`/.exec(after) : null;
        const literal = joined?.[1] ?? templated?.[1];
        if (literal !== undefined) {
          if (UNDER_SPECS.test(literal)) found.push(`${at}: ${line.trim()}`);
          continue;
        }
        if (COMPUTED[file]?.some((use) => line.includes(use))) continue;
        // Anything else hands the root itself to something: a CLI run, a render, a copy.
        found.push(`${at}: ${line.trim()}`);
      }
    }
  }
  return found;
}

describe("the tool's own tests and the team's specs", () => {
  it("read the bundled examples from their fixture copy: only the allowlisted checks read the repository's environments/", () => {
    const files = testFiles();
    expect(files).toContain('test/support/workspace.ts');
    expect(files).toContain('apps/cli/test/support.ts');
    for (const file of Object.keys(ALLOWLIST)) expect(files, `allowlisted ${file} exists`).toContain(file);
    const reads = files.filter((f) => !(f in ALLOWLIST)).flatMap((f) => specReads(f, readFileSync(join(REPO_ROOT, f), 'utf8')));
    expect(reads).toEqual([]);
  });

  it('catches the ways a test reaches the repository environments', () => {
    const caught = (line: string) => specReads('test/example.test.ts', line).length > 0;
    expect(caught('const plans = planRepository({ root: REPO_ROOT, displayBase: REPO_ROOT }).plans;')).toBe(true);
    expect(caught("const dir = copyWorkspace(REPO_ROOT, 'x');")).toBe(true);
    expect(caught("readFileSync(join(REPO_ROOT, 'environments/dev/models/whisper.yaml'), 'utf8');")).toBe(true);
    expect(caught("snapshotDir(join(REPO_ROOT, 'flux'));")).toBe(true);
    expect(caught('worldsOf(`${REPO_ROOT}/environments`, "x");')).toBe(true);
    expect(caught("const result = await cli(REPO, 'capacity');")).toBe(true);
    expect(caught("readdirSync(join(import.meta.dirname, '../../environments'));")).toBe(true);
    expect(caught("const ROOT = resolve(import.meta.dirname, '..');")).toBe(true);
    expect(caught("const BIN = join(REPO_ROOT, 'apps/cli/bin/tritonops.mjs');")).toBe(false);
    expect(caught("export const BUNDLED = join(REPO_ROOT, 'test/fixtures/bundled');")).toBe(false);
    expect(caught("import { BUNDLED, REPO_ROOT, runCli } from './support/workspace.ts';")).toBe(false);
  });

  it('a repository where the team adds a model (new model, synth, commit) validates and passes synth --check', async () => {
    // A repository of the team's own, started from the bundled examples (not from this checkout's
    // environments/, which are the team's and may hold anything, a `bert` included).
    const dir = tempDir('team-specs');
    cleanups.push(dir.remove);
    const repo = join(dir.path, 'repo');
    cpSync(join(BUNDLED, 'environments'), join(repo, 'environments'), { recursive: true });
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=Team', '-c', 'user.email=team@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, stdio: 'pipe' });
    git('init', '--quiet');
    expect((await runCli(['synth'], repo)).code).toBe(0);
    git('add', '-A');
    git('commit', '--quiet', '-m', 'Start from the bundled examples');

    const added = await runCli(['new', 'model', 'bert', '--env', 'dev', '--pool', 't4'], repo);
    expect(added.code, added.stderr).toBe(0);
    expect(existsSync(join(repo, 'environments/dev/models/bert.yaml'))).toBe(true);
    const synth = await runCli(['synth'], repo);
    expect(synth.code, synth.stderr).toBe(0);
    git('add', '-A', 'environments', 'flux');
    git('commit', '--quiet', '-m', 'Add bert to dev');
    const rendered = execFileSync('git', ['ls-files', 'flux'], { cwd: repo, encoding: 'utf8' });
    expect(rendered.split('\n').some((p) => p.startsWith('flux/models/dev/') && p.split('/').includes('bert'))).toBe(true);

    // What the pull-request check runs on the team's specs.
    const validate = await runCli(['validate'], repo);
    expect(validate.code, validate.stderr).toBe(0);
    const check = await runCli(['synth', '--check'], repo);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/^ok: flux\/ is up to date/);
    // The tool's tests still see the bundled examples only: the fixture has no bert.
    expect(existsSync(join(BUNDLED, 'environments/dev/models/bert.yaml'))).toBe(false);
  }, 120_000);
});
