/**
 * The `tritonops` command: argument parsing, the verbs, exit codes. It only wires the packages
 * together: @tritonops/spec reads and checks, @tritonops/charts renders, output-tree writes.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { didYouMean, listEnvironments, own } from '@tritonops/planner';
import { canaryCommand } from './commands/canary.ts';
import { CAPACITY_FORMATS, capacityCommand, type CapacityFormat } from './commands/capacity.ts';
import { GRAPH_FORMATS, graphCommand, type GraphFormat } from './commands/graph.ts';
import type { DiffFormat } from './commands/diff.ts';
import { newCommand } from './commands/new.ts';
import { validateCommand } from './commands/validate.ts';
import { reportFailure } from './failures.ts';
import { inertIo } from './inert-output.ts';

// synth, promote and diff render, so they load the charts (cdk8s): imported when used, so that
// validate, help and the other commands start faster.
const DIFF_FORMATS: readonly DiffFormat[] = ['text', 'markdown', 'json'];

export const EXIT = {
  /** Everything is fine. */
  ok: 0,
  /** Problems found: spec errors, or `synth --check` found flux/ out of date. */
  problems: 1,
  /** The command line is wrong (unknown verb, flag or environment). */
  usage: 2,
  /** A bug in tritonops: nothing was written. */
  internal: 70,
  /** The file system refused (read-only, full, no permission): said what was and was not changed. */
  io: 74,
  /** Another tritonops run holds the repository's lock for longer than we wait. */
  busy: 75,
} as const;

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly cwd: string;
}

export interface CommonOptions {
  readonly root: string;
  readonly envs?: string[];
}

const VERSION = '0.1.0';

const MAIN_HELP = `tritonops ${VERSION} — model specs in, Flux-synced Kubernetes YAML out.

Usage: tritonops <command> [options]

Commands:
  validate   Check the specs under environments/ and report every problem
  synth      Render environments/ into flux/ (or check that flux/ is up to date)
  canary     Promote a model's canary, or set its traffic weight (edits the spec in place)
  capacity   GPU demand at minimum and maximum scale against each pool's capacity
  graph      Draw a pipeline as a Mermaid flowchart or Graphviz DOT
  diff       What a change does to each environment, against a Git revision
  promote    Copy models' releases from one environment to the next, and render it
  new        Write a commented model or pipeline spec, valid as written
  help       Show help for a command

Options for every command:
  --env <name>   Only this environment (repeatable); default: all
  --root <dir>   Repository root (the folder holding environments/); default: found upwards
  -h, --help     Show help

Exit codes:
  0   success
  1   problems found: spec errors, or \`synth --check\` found flux/ out of date
  2   usage error: unknown command, option or environment
  3   diff: changes present
  70  internal error in tritonops (nothing was written); please report it

Docs: README.md, docs/spec-reference.md`;

const HELP: Record<string, string> = {
  validate: `Usage: tritonops validate [--env <name>]... [--base <git-ref>] [--root <dir>]

Reads environments/<env>/environment.yaml and environments/<env>/models/*.yaml, checks their
shape against the JSON Schemas and the references between them, and prints every problem as
  file:line:col: error: message
with the offending line and a hint. Warnings do not fail the command.

  --base <git-ref>  Also judge every change since <git-ref> as the live cluster takes it: a change
                    that needs two steps (autoscaling or Flagger analysis switched on without a
                    handover, a weighted canary added or removed at once, a field the API server
                    cannot change) is an error naming the first step to merge; a disruptive one
                    (pods restart, Flagger starts, an outage) a warning saying what happens.
                    CI runs it on every pull request; see docs/transitions.md.

Exit codes: 0 no errors, 1 errors found, 2 usage error (e.g. unknown ref).`,
  synth: `Usage: tritonops synth [--env <name>]... [--check] [--root <dir>]

Validates the specs, renders them and replaces flux/ with the result, all or nothing: on any
error nothing under flux/ changes. Files tritonops did not render are kept outside the folders
Flux applies (flux/<area>/<env>/) and refused inside them.

  --check          Write nothing; exit 1 and list the files that differ from a fresh render (for CI).
  --allow-removal  Write even when the render removes any Deployment of a production environment
                   or more than 20% of another environment's objects (Flux would delete them).
                   Removing a canary that still receives traffic is refused regardless: drain it.
  --no-cache       Neither read nor write .git/tritonops-cache/ (the record of earlier runs that lets
                   a one-model change re-check and re-render only that model); the output is the
                   same. --check never reads it: its verdict rests on a fresh render alone.

Exit codes: 0 written or up to date, 1 spec errors or (with --check) flux/ out of date, 2 usage error.`,
  canary: `Usage: tritonops canary promote <model> --env <name> [--root <dir>]
       tritonops canary weight <model> <percent> --env <name> [--root <dir>]

promote  Makes the canary's release (image, repository, models, args) the stable release of the
         model and removes the canary block. The stable Deployment keeps its name, so applying
         the result is a rolling update, never a delete-and-create.
weight   Sets the percent of traffic the canary receives (0-100); the stable track gets the rest.

Both edit environments/<env>/models/<model>.yaml in place, keeping comments and formatting, and
write nothing if the edited specs would not validate. Render and commit afterwards:
  tritonops synth --env <name>

Exit codes: 0 edited, 1 the edit is not possible or would be invalid, 2 usage error.`,
  capacity: `Usage: tritonops capacity [--env <name>]... [--format table|json|markdown] [--root <dir>]

For each environment and GPU pool: the units of the pool's resource (whole GPUs, MIG slices or
time-sliced shares) every model and track needs at minimum and at maximum scale, against
maxNodes × gpusPerNode, and the memory of one unit. Models under Flagger analysis count twice
at maximum (primary and canary run side by side during an analysis). Rollouts start a new
replica before they stop an old one (maxSurge 1): the maximum (also "max" in --format json)
includes one surge replica per Deployment that rolls, and "a rollout at min needs"
("minRollout") is the minimum plus the largest rollout. A replica of several units needs them
on one node: for it, the rollout also counts the free units pods of other sizes may strand on
other nodes (gpus - 1 on each but one). Minimum and maximum are sums of units, not per node.

validate and synth fail when a pool cannot fit its minimum demand (status min-over-capacity),
or its minimum and the largest rollout (rollout-over-capacity: no change to that model could
ever roll out), and warn when it cannot fit its maximum with the surge (max-over-capacity).

Exit codes: 0 report printed, 1 spec errors, 2 usage error.`,
  graph: `Usage: tritonops graph <pipeline> --env <name> [--format mermaid|dot] [--root <dir>]

Prints the pipeline as a Mermaid flowchart (default; GitHub renders it in Markdown) or as
Graphviz DOT: the pipeline's inputs and outputs, each step with the model and GPU pool it runs
on, and the tensors on the edges.

Exit codes: 0 printed, 1 spec errors, 2 usage error (unknown pipeline or environment).`,
  diff: `Usage: tritonops diff [--base <git-ref>] [--env <name>]... [--format text|markdown|json] [--root <dir>]

Renders the specs at <git-ref> (read from Git objects: the working tree and the index are not
touched) and in the working tree, and reports per environment first what each change does to the
live cluster (safe; disruptive, saying what happens; or needs two steps, naming the first one to
merge), then what matters to a reviewer (releases, canary traffic, replicas and autoscaling
bounds, GPU demand per pool, auth, models and pipelines added or removed), then every Kubernetes
object added, removed or changed, with a compact YAML diff. --format markdown is made for a PR
comment; json for tools.

--base defaults to the merge base of HEAD with origin/main (or main).

Exit codes: 0 no changes, 3 changes present, 1 spec errors or a change that needs two steps,
2 usage error (e.g. unknown ref).`,
  promote: `Usage: tritonops promote <model>... --from <env> --to <env> [--root <dir>]
       tritonops promote --all --from <env> --to <env>

Copies the release of each model - image, repository, models, args, signatures and the canary
block - from the --from environment's spec into the --to environment's, keeping everything else
there (GPU pool, gpus, replicas, autoscaling, resources, cache, env, traffic, auth, slo) and
every comment. --to must be promoted from --from (promotedFrom). Writes nothing unless the
result validates; then renders --to and prints a pull-request title and body.

Exit codes: 0 promoted, 1 spec errors or invalid result, 2 usage error (unknown model or environment).`,
  new: `Usage: tritonops new model <name> --env <name> [--pool <gpu-pool>] [--root <dir>]
       tritonops new pipeline <name> --env <name> [--root <dir>]

Writes environments/<env>/models/<name>.yaml (or pipelines/<name>.yaml): a commented spec with
the schema line for editors, valid as written (checked with the rest of the environment before it
is written). A pipeline starts with one step calling a model that declares \`signatures\`.

Exit codes: 0 written, 1 the environment does not validate, 2 usage error (bad name, unknown pool, file exists).`,
  help: `Usage: tritonops help [command]`,
};

export async function run(argv: readonly string[], io: Io): Promise<number> {
  const inert = inertIo(io);
  let root: string | undefined;
  try {
    return await dispatch(argv, inert, (r) => (root = r));
  } catch (error) {
    const code = reportFailure(inert, root ?? io.cwd, error);
    if (code === undefined) throw error;
    return code;
  }
}

async function dispatch(argv: readonly string[], io: Io, setRoot: (root: string) => void): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '-h' || verb === '--help') {
    io.out(MAIN_HELP);
    return verb === undefined ? EXIT.usage : EXIT.ok;
  }
  if (verb === '--version' || verb === '-v') {
    io.out(VERSION);
    return EXIT.ok;
  }
  if (verb === 'help') {
    const topic = rest[0];
    if (topic === undefined) io.out(MAIN_HELP);
    else if (topic === '--help' || topic === '-h') io.out(HELP.help!);
    else if (own(HELP, topic)) io.out(HELP[topic]!);
    else return usage(io, `unknown command "${topic}"`, Object.keys(HELP), topic);
    return EXIT.ok;
  }
  if (!own(HELP, verb)) return usage(io, `unknown command "${verb}"`, Object.keys(HELP), verb);

  let parsed;
  try {
    parsed = parseArgs({
      args: [...rest],
      allowPositionals: ['canary', 'graph', 'promote', 'new'].includes(verb),
      strict: true,
      options: {
        env: { type: 'string', multiple: true },
        root: { type: 'string' },
        check: { type: 'boolean', default: false },
        'allow-removal': { type: 'boolean', default: false },
        'no-cache': { type: 'boolean', default: false },
        format: { type: 'string' },
        base: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        all: { type: 'boolean', default: false },
        pool: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    return usage(io, error instanceof Error ? error.message : String(error), [], undefined, verb);
  }
  const values = parsed.values;
  if (values.help) {
    io.out(HELP[verb]!);
    return EXIT.ok;
  }
  if (values['allow-removal'] && verb !== 'synth') return usage(io, `--allow-removal is an option of synth, not of ${verb}`, [], undefined, verb);
  if (values['no-cache'] && verb !== 'synth' && verb !== 'validate') return usage(io, `--no-cache is an option of synth and validate, not of ${verb}`, [], undefined, verb);
  if (values.check && verb !== 'synth') return usage(io, `--check is an option of synth, not of ${verb}`, [], undefined, verb);
  if (values.format !== undefined && !['capacity', 'graph', 'diff'].includes(verb)) return usage(io, `--format is an option of capacity, graph and diff, not of ${verb}`, [], undefined, verb);
  if ((values.from !== undefined || values.to !== undefined || values.all) && verb !== 'promote') return usage(io, `--from, --to and --all are options of promote, not of ${verb}`, [], undefined, verb);
  if (values.base !== undefined && verb !== 'diff' && verb !== 'validate') return usage(io, `--base is an option of diff and validate, not of ${verb}`, [], undefined, verb);
  const formats: readonly string[] = verb === 'graph' ? GRAPH_FORMATS : verb === 'diff' ? DIFF_FORMATS : CAPACITY_FORMATS;
  const format = values.format ?? formats[0]!;
  if (!formats.includes(format)) return usage(io, `unknown format "${values.format}"`, [...formats], values.format, verb);

  const root = values.root ? resolve(io.cwd, values.root) : findRoot(io.cwd);
  setRoot(root);
  if (!existsSync(join(root, 'environments'))) {
    io.err(`error: no environments/ folder in ${root}\n  = hint: run tritonops from the repository root, or pass --root <dir>`);
    return EXIT.usage;
  }
  const known = listEnvironments(root);
  for (const env of values.env ?? []) {
    if (!known.includes(env)) return usage(io, `unknown environment "${env}"`, known, env, verb);
  }
  const options: CommonOptions = { root, ...(values.env ? { envs: [...new Set(values.env)].sort() } : {}) };
  if (verb === 'canary') return canary(parsed.positionals, { root, env: values.env }, io);
  if (values.pool !== undefined && verb !== 'new') return usage(io, `--pool is an option of new, not of ${verb}`, [], undefined, verb);
  if (verb === 'new') {
    const [kind, name, ...extra] = parsed.positionals;
    if (kind !== 'model' && kind !== 'pipeline') return usage(io, kind === undefined ? 'new needs what to create: model or pipeline' : `cannot create "${kind}"`, ['model', 'pipeline'], kind, verb);
    if (name === undefined) return usage(io, `new ${kind} needs a name`, [], undefined, verb);
    if (extra.length > 0) return usage(io, `unexpected argument "${extra[0]}"`, [], undefined, verb);
    if (values.env?.length !== 1) return usage(io, `new ${kind} needs exactly one --env`, [], undefined, verb);
    if (kind === 'pipeline' && values.pool !== undefined) return usage(io, 'a pipeline server runs on CPU: --pool is for models', [], undefined, verb);
    return newCommand({ root, kind, name, env: values.env[0]!, ...(values.pool !== undefined ? { pool: values.pool } : {}) }, io);
  }
  if (verb === 'promote') {
    if (!values.from || !values.to) return usage(io, 'promote needs --from <env> and --to <env>', [], undefined, verb);
    if (values.all === (parsed.positionals.length > 0)) return usage(io, 'name the models to promote, or pass --all (not both)', [], undefined, verb);
    const { promoteCommand } = await import('./commands/promote.ts');
    return promoteCommand({ root, from: values.from, to: values.to, models: parsed.positionals, all: values.all ?? false }, io);
  }
  if (verb === 'graph') {
    const [pipeline, ...extra] = parsed.positionals;
    if (pipeline === undefined) return usage(io, 'graph needs a pipeline name', [], undefined, verb);
    if (extra.length > 0) return usage(io, `unexpected argument "${extra[0]}"`, [], undefined, verb);
    if (values.env?.length !== 1) return usage(io, 'graph needs exactly one --env', [], undefined, verb);
    return graphCommand({ root, env: values.env[0]!, pipeline, format: format as GraphFormat }, io);
  }
  switch (verb) {
    case 'validate':
      return validateCommand({ ...options, noCache: values['no-cache'] ?? false, ...(values.base !== undefined ? { base: values.base } : {}) }, io);
    case 'synth': {
      const { synthCommand } = await import('./commands/synth.ts');
      return synthCommand({ ...options, check: values.check ?? false, allowRemoval: values['allow-removal'] ?? false, noCache: values['no-cache'] ?? false }, io);
    }
    case 'diff': {
      const { diffCommand } = await import('./commands/diff.ts');
      return diffCommand({ ...options, ...(values.base !== undefined ? { base: values.base } : {}), format: format as DiffFormat }, io);
    }
    case 'capacity':
      return capacityCommand({ ...options, format: format as CapacityFormat }, io);
    default:
      return usage(io, `unknown command "${verb}"`, Object.keys(HELP), verb);
  }
}

async function canary(positionals: string[], options: { root: string; env?: string[] }, io: Io): Promise<number> {
  const [action, model, weightText, ...extra] = positionals;
  if (action !== 'promote' && action !== 'weight') {
    return usage(io, action === undefined ? 'canary needs an action' : `unknown canary action "${action}"`, ['promote', 'weight'], action, 'canary');
  }
  if (model === undefined) return usage(io, `canary ${action} needs a model name`, [], undefined, 'canary');
  const envs = options.env ?? [];
  if (envs.length !== 1) return usage(io, `canary ${action} needs exactly one --env`, [], undefined, 'canary');
  let weight: number | undefined;
  if (action === 'weight') {
    if (weightText === undefined || !/^\d+$/.test(weightText) || Number(weightText) > 100) {
      return usage(io, `canary weight needs a percent from 0 to 100${weightText === undefined ? '' : `, not "${weightText}"`}`, [], undefined, 'canary');
    }
    weight = Number(weightText);
  }
  if (extra.length > 0 || (action === 'promote' && weightText !== undefined)) {
    return usage(io, `unexpected argument "${action === 'promote' ? weightText : extra[0]}"`, [], undefined, 'canary');
  }
  return canaryCommand({ root: options.root, env: envs[0]!, action, model, ...(weight !== undefined ? { weight } : {}) }, io);
}

function usage(io: Io, message: string, candidates: string[], input?: string, verb?: string): number {
  const guess = input !== undefined ? didYouMean(input, candidates) : undefined;
  const lines = [`error: ${message}`];
  if (guess) lines.push(`  = hint: did you mean "${guess}"?`);
  else if (candidates.length) lines.push(`  = hint: one of: ${candidates.join(', ')}`);
  lines.push(`Run \`tritonops ${verb ? `${verb} ` : ''}--help\` for usage.`);
  io.err(lines.join('\n'));
  return EXIT.usage;
}

/** The nearest folder upwards from `start` that holds environments/; `start` itself otherwise. */
function findRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'environments'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(start);
    dir = parent;
  }
}
