/**
 * Nx plugin: a project per environment (`environments/<env>/environment.yaml`) with a cached
 * `synth` target that renders that environment alone (`tritonops synth --env <env>`), so a
 * change to one environment's specs replays the others from Nx's cache.
 *
 * A target's inputs are what its render reads: the environment's specs, those of the
 * environment it is promoted from (the promotion gate compares against them), the production
 * sources of the spec, charts and cli packages, the lock file, Node's version, and its own
 * folders under flux/ (so that a hand edit there is rendered over, not replayed). Its outputs are
 * those folders. Not an input: Git history, which the gate reads only when the source
 * environment has moved on; CI's `tritonops validate` checks the gate on every pull request.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse } from 'yaml';

const AREAS = ['clusters', 'infrastructure', 'models'];

export const createNodes = [
  'environments/*/environment.yaml',
  (files, _options, context) => files.map((file) => [file, { projects: { [dirname(file)]: environmentProject(file, context.workspaceRoot) } }]),
];

/** The environment named in `spec.promotedFrom`; null when the file cannot be read as YAML. */
function promotedFrom(path) {
  try {
    const from = parse(readFileSync(path, 'utf8'))?.spec?.promotedFrom;
    return typeof from === 'string' && /^[a-z0-9-]+$/.test(from) ? from : undefined;
  } catch {
    return null;
  }
}

function environmentProject(file, workspaceRoot) {
  const env = basename(dirname(file));
  const from = promotedFrom(join(workspaceRoot, file));
  // An environment.yaml that does not parse: depend on every environment rather than guess.
  const source = from === null ? ['{workspaceRoot}/environments/**/*'] : from ? [`{workspaceRoot}/environments/${from}/**/*`] : [];
  return {
    name: `environment-${env}`,
    tags: ['environment'],
    targets: {
      synth: {
        executor: 'nx:run-commands',
        options: { command: `tritonops synth --env ${env}`, cwd: '{workspaceRoot}' },
        cache: true,
        inputs: [
          '{projectRoot}/**/*',
          ...source,
          { input: 'production', projects: ['spec', 'charts', 'cli'] },
          '{workspaceRoot}/package-lock.json',
          { runtime: 'node --version' },
          ...AREAS.map((area) => `{workspaceRoot}/flux/${area}/${env}/**/*`),
        ],
        outputs: AREAS.map((area) => `{workspaceRoot}/flux/${area}/${env}`),
      },
    },
  };
}
