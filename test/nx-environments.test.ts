/**
 * The Nx plugin that gives each environment its own cached `synth` target
 * (apps/cli/nx/environments-plugin.mjs): what its inputs and outputs are, and that Nx sees them.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module Nx loads as it is; its shape is checked below
import { createNodes } from '../apps/cli/nx/environments-plugin.mjs';
import { REPO_ROOT, tempDir } from './support/workspace.ts';

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
    const projects = projectsOf(REPO_ROOT, ['environments/dev/environment.yaml', 'environments/production/environment.yaml']);
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

  it('is loaded by Nx: every bundled environment is a project with a cached synth target', () => {
    const nx = spawnSync('npx', ['nx', 'show', 'project', 'environment-staging', '--json'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, NX_DAEMON: 'false' },
    });
    expect(nx.status, nx.stderr).toBe(0);
    const project = JSON.parse(nx.stdout) as { root: string; targets: { synth: Target & { cache: boolean } } };
    expect(project.root).toBe('environments/staging');
    expect(project.targets.synth.cache).toBe(true);
    expect(project.targets.synth.inputs).toContain('{workspaceRoot}/environments/dev/**/*');
  }, 60_000);
});
