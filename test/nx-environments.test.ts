/**
 * The Nx plugin that gives each environment its own cached `synth` target
 * (apps/cli/nx/environments-plugin.mjs): what its inputs and outputs are, and that Nx sees them.
 *
 * The plugin's inputs and outputs are checked on the bundled examples (their fixture copy,
 * test/fixtures/bundled). The last check runs Nx itself, which only loads this workspace, so it
 * reads the repository's environments/ on purpose, generically: whatever environments the team
 * keeps there, each must be an Nx project with the cached synth target the plugin describes
 * (allowlisted in test/team-specs.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module Nx loads as it is; its shape is checked below
import { createNodes } from '../apps/cli/nx/environments-plugin.mjs';
import { BUNDLED, REPO_ROOT, tempDir } from './support/workspace.ts';

interface Target {
  readonly options: { readonly command: string };
  readonly inputs: unknown[];
  readonly outputs: string[];
}
type Projects = Record<string, { name: string; targets: { synth: Target } }>;
const [pattern, create] = createNodes as [
  string,
  (files: string[], options: unknown, context: { workspaceRoot: string }) => [string, { projects: Projects }][],
];

function projectsOf(root: string, files: string[]): Projects {
  return Object.assign({}, ...create(files, undefined, { workspaceRoot: root }).map(([, result]) => result.projects)) as Projects;
}

describe('the environments Nx plugin', () => {
  it('gives each environment a synth target that reads its specs, its source environment and its own flux/ folders', () => {
    expect(pattern).toBe('environments/*/environment.yaml');
    const projects = projectsOf(BUNDLED, ['environments/dev/environment.yaml', 'environments/production/environment.yaml']);
    const production = projects['environments/production']!;
    expect(production.name).toBe('environment-production');
    expect(production.targets.synth.options.command).toBe('tritonops synth --env production');
    expect(production.targets.synth.inputs).toEqual(
      expect.arrayContaining([
        '{projectRoot}/**/*',
        '{workspaceRoot}/environments/staging/**/*',
        '{workspaceRoot}/flux/models/production/**/*',
        { input: 'production', projects: ['spec', 'planner', 'charts', 'cli'] },
      ]),
    );
    expect(production.targets.synth.outputs).toEqual([
      '{workspaceRoot}/flux/clusters/production',
      '{workspaceRoot}/flux/infrastructure/production',
      '{workspaceRoot}/flux/models/production',
    ]);
    // dev is promoted from nowhere: no other environment's specs are its inputs.
    expect(projects['environments/dev']!.targets.synth.inputs.filter((i) => typeof i === 'string' && i.startsWith('{workspaceRoot}/environments/'))).toEqual(
      [],
    );
  });

  it('depends on every environment when environment.yaml cannot be read, rather than guess', () => {
    const dir = tempDir('nx-plugin');
    try {
      mkdirSync(join(dir.path, 'environments/qa'), { recursive: true });
      writeFileSync(join(dir.path, 'environments/qa/environment.yaml'), 'spec: [unclosed');
      const qa = projectsOf(dir.path, ['environments/qa/environment.yaml'])['environments/qa']!;
      expect(qa.targets.synth.inputs).toContain('{workspaceRoot}/environments/**/*');
    } finally {
      dir.remove();
    }
  });

  it('gives no project (and so no command line) to a folder whose name is no environment name, or to a linked environment', () => {
    const dir = tempDir('nx-plugin-hostile');
    try {
      const hostile = 'dev;touch pwned';
      for (const env of [hostile, 'qa', 'real']) mkdirSync(join(dir.path, 'environments', env), { recursive: true });
      for (const env of [hostile, 'real']) writeFileSync(join(dir.path, 'environments', env, 'environment.yaml'), 'spec: {}\n');
      symlinkSync('/proc/self/environ', join(dir.path, 'environments/qa/environment.yaml'));
      symlinkSync(join(dir.path, 'environments/real'), join(dir.path, 'environments/linked'));
      const projects = projectsOf(dir.path, [
        `environments/${hostile}/environment.yaml`,
        'environments/qa/environment.yaml',
        'environments/real/environment.yaml',
        'environments/linked/environment.yaml',
      ]);
      expect(Object.keys(projects).sort()).toEqual(['environments/qa', 'environments/real']);
      // A linked environment.yaml is not read: the target depends on every environment instead.
      expect(projects['environments/qa']!.targets.synth.inputs).toContain('{workspaceRoot}/environments/**/*');
      expect(projects['environments/qa']!.targets.synth.options.command).toBe('tritonops synth --env qa');
    } finally {
      dir.remove();
    }
  });

  it("is loaded by Nx: every environment of this repository is a project with the plugin's cached synth target", (ctx) => {
    const files = existsSync(join(REPO_ROOT, 'environments'))
      ? readdirSync(join(REPO_ROOT, 'environments'))
          .sort()
          .map((env) => `environments/${env}/environment.yaml`)
          .filter((file) => existsSync(join(REPO_ROOT, file)))
      : [];
    const expected = projectsOf(REPO_ROOT, files);
    const roots = Object.keys(expected);
    if (roots.length === 0) return ctx.skip('the repository has no environments');
    const nx = (...args: string[]) => {
      const result = spawnSync('npx', ['nx', 'show', ...args, '--json'], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, NX_DAEMON: 'false' } });
      expect(result.status, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as unknown;
    };
    expect(nx('projects')).toEqual(expect.arrayContaining(roots.map((root) => expected[root]!.name)));
    // One promoted environment when there is one: its source environment's specs are inputs too.
    const promoted = (root: string) => expected[root]!.targets.synth.inputs.some((i) => typeof i === 'string' && i.startsWith('{workspaceRoot}/environments/'));
    const root = roots.find(promoted) ?? roots[0]!;
    const first = expected[root]!;
    const project = nx('project', first.name) as { root: string; targets: { synth: Target & { cache: boolean } } };
    expect(project.root).toBe(root);
    expect(project.targets.synth.cache).toBe(true);
    expect(project.targets.synth.options.command).toBe(first.targets.synth.options.command);
    expect(project.targets.synth.inputs).toEqual(expect.arrayContaining(first.targets.synth.inputs));
  }, 60_000);
});
