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
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse } from 'yaml';

/** Environment names as tritonops accepts them; the name goes into a shell command, so nothing else passes. */
const ENVIRONMENT_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const MAX_BYTES = 1024 * 1024;

const AREAS = ['clusters', 'infrastructure', 'models'];

export const createNodes = [
  'environments/*/environment.yaml',
  (files, _options, context) =>
    // A folder whose name is no environment name, or an environment that is a link, gets no
    // project: `tritonops validate` reports it, and nothing of it reaches a command line.
    files
      .filter((file) => ENVIRONMENT_NAME.test(basename(dirname(file))) && realFolders(context.workspaceRoot, dirname(file)))
      .map((file) => [file, { projects: { [dirname(file)]: environmentProject(file, context.workspaceRoot) } }]),
];

/** Whether `environments/<env>` and `environments/` are real folders (no link anywhere on the way). */
function realFolders(root, folder) {
  try {
    return [dirname(folder), folder].every((f) => lstatSync(join(root, f)).isDirectory());
  } catch {
    return false;
  }
}

/** A regular file's text, never through a link, at most MAX_BYTES; null otherwise. */
function readRegularFile(path) {
  let fd;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const stats = fstatSync(fd);
    if (!stats.isFile() || stats.size > MAX_BYTES) return null;
    const buffer = Buffer.alloc(stats.size);
    let length = 0;
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return buffer.subarray(0, length).toString('utf8');
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The environment named in `spec.promotedFrom`; null when the file cannot be read as YAML. */
function promotedFrom(path) {
  const text = readRegularFile(path);
  if (text === null) return null;
  try {
    const from = parse(text, { logLevel: 'error' })?.spec?.promotedFrom;
    return typeof from === 'string' && ENVIRONMENT_NAME.test(from) ? from : undefined;
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
          { input: 'production', projects: ['spec', 'planner', 'charts', 'cli'] },
          '{workspaceRoot}/package-lock.json',
          { runtime: 'node --version' },
          ...AREAS.map((area) => `{workspaceRoot}/flux/${area}/${env}/**/*`),
        ],
        outputs: AREAS.map((area) => `{workspaceRoot}/flux/${area}/${env}`),
      },
    },
  };
}
