/**
 * `tritonops validate`: every problem in the specs, at once. With `--base <rev>` also every change
 * from that revision the live cluster cannot take in one step (an error naming the first step)
 * and every disruptive one (a warning saying what the cluster does): what CI runs on a PR.
 */
import { join, relative, sep } from 'node:path';
import { classifyTransitions, renderEnvironment, type Transition } from '@tritonops/charts';
import { checkReleases, compareStrings, type Diagnostic, type EnvironmentPlan, type ModelStore, type SourceFile } from '@tritonops/planner';
import { loadBasePlans } from '../base-plans.ts';
import { WorkspaceCache } from '../cache.ts';
import { refuseCommittedState } from '../committed-state.ts';
import { EXIT, type Io } from '../io.ts';
import { checkRenderRemovals, removalTransitions } from '../prune-guard.ts';
import { confinedStore, mergedEndpoints, releaseScope } from '../release-scope.ts';
import { loadRepository, type WorkspaceResult } from '../workspace.ts';
import { reportDiagnostics, tally } from '../report.ts';
import { defineCommand, type CommonOptions } from './command.ts';

export const command = defineCommand({
  name: 'validate',
  summary: 'Check the specs under environments/ and report every problem',
  usage: ['validate [--env <name>]... [--base <git-ref>] [--s3 | --s3-all] [--root <dir>]'],
  positionals: false,
  description: `Reads environments/<env>/environment.yaml and environments/<env>/models/*.yaml, checks their
shape against the JSON Schemas and the references between them, and prints every problem as
  file:line:col: error: message
with the offending line and a hint. Warnings do not fail the command. The promotion gate compares
an environment's releases with its promotedFrom environment as the base branch has it (the merge
base of HEAD with origin/main or main, or --base): see docs/promotion.md. With --s3 it also reads
the releases the specs point at from the environments' S3, with read-only credentials from the
standard AWS environment variables (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE),
never from the specs: see "From S3 to endpoint: checking releases" in the README.`,
  options: {
    base: {
      type: 'string',
      value: 'git-ref',
      description: `Also judge every change since <git-ref> as the live cluster takes it: a change
that needs two steps (autoscaling or Flagger analysis switched on without a
handover, a weighted canary added or removed at once, a field the API server
cannot change) is an error naming the first step to merge; a disruptive one
(pods restart, Flagger starts, an outage) a warning saying what happens.
CI runs it on every pull request; see docs/transitions.md.`,
    },
    s3: {
      type: 'boolean',
      description: `Also check the releases of the model specs changed since the base (of every
spec without Git or a base) against the environment's S3 endpoint: the
repository exists, each model has a config.pbtxt and a version folder,
\`signatures\` match the configs, the image variant has the models' backends.
Reads only listings and config.pbtxt files; S3 that cannot be read is an
error.`,
    },
    's3-all': {
      type: 'boolean',
      description: 'Like --s3, for the releases of every spec, changed or not',
    },
    'no-cache': {
      type: 'boolean',
      description: `Neither read nor write .git/tritonops-cache/ (the record of earlier runs that
lets a one-model change re-check only that model); the verdict is the same.`,
    },
  },
  exits: [
    ['ok', 'no errors'],
    ['problems', 'errors found'],
    ['usage', 'usage error (e.g. unknown ref)'],
  ],
  run: ({ root, envs, values }, io) => {
    const s3 = values['s3-all'] ? 'all' : values.s3 ? 'changed' : undefined;
    return validateCommand(
      {
        root,
        ...(envs ? { envs } : {}),
        noCache: values['no-cache'],
        ...(values.base !== undefined ? { base: values.base } : {}),
        ...(s3 ? { s3: { scope: s3 } } : {}),
      },
      io,
    );
  },
});

export interface ValidateOptions extends CommonOptions {
  /** Ignore and do not write the workspace cache (.git/tritonops-cache/). */
  readonly noCache?: boolean;
  /** Also classify every change from this Git revision (see packages/charts/src/transitions.ts). */
  readonly base?: string;
  /** Also check releases in S3: of the specs changed since the base, or of all. */
  readonly s3?: {
    readonly scope: 'changed' | 'all';
    /** Where to read from; the S3 client (createS3Store) when absent. */
    readonly store?: ModelStore;
  };
}

export async function validateCommand(options: ValidateOptions, io: Io): Promise<number> {
  refuseCommittedState(options.root);
  const cache = options.noCache ? undefined : new WorkspaceCache(options.root);
  const result = loadRepository(options.root, io, {
    ...(options.envs ? { only: options.envs } : {}),
    ...(cache ? { cache } : {}),
    ...(options.base !== undefined ? { gateRef: options.base } : {}),
  });
  if (options.base !== undefined && 'workingTree' in result.gate) {
    io.err(`error: ${result.gate.workingTree}\n  = hint: --base takes a branch, tag or commit of this repository, e.g. origin/main`);
    return EXIT.usage;
  }
  // Only files that passed their own checks are recorded, so saving after errors is safe too.
  cache?.save();
  let diagnostics = result.diagnostics;
  if (!result.hasErrors && options.base !== undefined) {
    const base = loadBasePlans({ root: options.root, base: options.base, ...(options.envs ? { envs: options.envs } : {}) }, io);
    if (typeof base === 'number') {
      await reportDiagnostics(io, diagnostics, result.sources);
      return base;
    }
    const transitions = transitionsFrom(base.plans, result.plans, base.firstPerModelSync);
    diagnostics = [...diagnostics, ...transitions.flatMap((t) => transitionDiagnostic(t, options.root, io.cwd, result.sources))];
  }
  let s3Summary: string | undefined;
  // A Git repository without a base: nothing says which specs changed nor which endpoints are
  // merged, so --s3 would send the credentials wherever the working tree points. Only --s3-all
  // (every spec, every endpoint the specs name) is an explicit choice to do so.
  const merged = options.s3 ? mergedEndpoints(options.root, options.base) : undefined;
  if (options.s3?.scope === 'changed' && merged && 'noBase' in merged) {
    await reportDiagnostics(io, diagnostics, result.sources);
    io.err(
      `error: validate --s3 has no base to compare with (${merged.noBase})\n  = hint: pass --base <ref> (in CI the target branch's commit), or --s3-all to check every spec against every endpoint the specs name`,
    );
    return EXIT.usage;
  }
  if (options.s3) {
    const checked = await checkS3(options, result, io, merged instanceof Set ? merged : undefined);
    diagnostics = [...diagnostics, ...checked.diagnostics];
    s3Summary = checked.summary;
  }
  await reportDiagnostics(io, diagnostics, result.sources);
  if (s3Summary) io.out(s3Summary);
  const errors = diagnostics.some((d) => d.severity === 'error');
  if (errors) {
    io.err(`validation failed: ${tally(diagnostics)}`);
    return EXIT.problems;
  }
  const models = result.plans.reduce((n, p) => n + p.models.length, 0);
  io.out(
    `ok: ${result.plans.length} environment(s), ${models} model(s) valid${options.base !== undefined ? `, every change from ${options.base} safe for a live cluster in one step` : ''} (${tally(diagnostics)})`,
  );
  return EXIT.ok;
}

function transitionsFrom(before: Map<string, EnvironmentPlan>, after: readonly EnvironmentPlan[], firstPerModelSync: ReadonlySet<string>): Transition[] {
  const heads = new Map(after.map((p) => [p.name, p] as const));
  return [...new Set([...before.keys(), ...heads.keys()])].sort(compareStrings).flatMap((name) => {
    const [b, a] = [before.get(name), heads.get(name)];
    const [fb, fa] = [b ? renderEnvironment(b) : [], a ? renderEnvironment(a) : []];
    return [
      ...classifyTransitions(b && { plan: b, files: fb }, a && { plan: a, files: fa }, { firstPerModelSync: firstPerModelSync.has(name) }),
      // synth's prune guard, run now: what it would refuse is an error here, not a surprise after the merge.
      ...removalTransitions(checkRenderRemovals(fb, fa), b, a),
    ];
  });
}

/** A two-step change is an error at its spec field, a disruptive one a warning; safe ones say nothing. */
function transitionDiagnostic(t: Transition, root: string, cwd: string, sources: Map<string, SourceFile>): Diagnostic[] {
  if (t.class === 'safe') return [];
  const file = relative(cwd, join(root, ...t.at.file.split('/')))
    .split(sep)
    .join('/');
  const span = sources.get(file)?.locate(t.at.path, 'key') ?? { line: 1, col: 1, length: 1 };
  const twoSteps = t.class === 'two-steps';
  return [
    {
      severity: twoSteps ? 'error' : 'warning',
      code: twoSteps ? 'needs-two-steps' : 'disruptive-change',
      file,
      ...span,
      message: `${t.subject}: ${t.change}: ${t.effect}`,
      ...(t.step ? { hint: `${twoSteps ? 'first' : 'next'}: ${t.step}` } : {}),
    },
  ];
}

/**
 * `--s3`: the releases of the changed specs (or all), read from each environment's S3. Checked
 * also when the specs have errors elsewhere: every model that loaded has a release to check.
 */
async function checkS3(
  options: ValidateOptions,
  result: WorkspaceResult,
  io: Io,
  merged: ReadonlySet<string> | undefined,
): Promise<{ diagnostics: Diagnostic[]; summary: string }> {
  const s3 = options.s3!;
  const scope = s3.scope === 'all' ? { all: 'every spec (--s3-all)' } : releaseScope(options.root, io.cwd, result.environments, options.base);
  // Loaded only here: the AWS SDK is large, and only --s3 needs it.
  const store = s3.store ?? (await import('../s3/s3-store.ts')).createS3Store();
  const checked = await checkReleases({
    environments: result.environments,
    store: merged ? confinedStore(store, merged) : store,
    ...('files' in scope ? { files: scope.files } : {}),
  });
  const which = 'files' in scope ? `the ${checked.models} model spec(s) changed since ${scope.base}` : `${checked.models} model spec(s), ${scope.all}`;
  const where = checked.endpoints.length ? ` on ${checked.endpoints.join(', ')}` : '';
  return { diagnostics: checked.diagnostics, summary: `s3: checked ${checked.releases} release(s) of ${which}${where}` };
}
