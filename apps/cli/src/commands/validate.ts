/**
 * `tritonops validate`: every problem in the specs, at once. With `--base <rev>` also every change
 * from that revision the live cluster cannot take in one step (an error naming the first step)
 * and every disruptive one (a warning saying what the cluster does): what CI runs on a PR.
 */
import { join, relative, sep } from 'node:path';
import { classifyTransitions, renderEnvironment, type Transition } from '@tritonops/charts';
import { compareStrings, type Diagnostic, type EnvironmentPlan, type SourceFile } from '@tritonops/planner';
import { loadBasePlans } from '../base-plans.ts';
import { WorkspaceCache } from '../cache.ts';
import { refuseCommittedState } from '../committed-state.ts';
import { EXIT, type Io } from '../io.ts';
import { checkRenderRemovals, removalTransitions } from '../prune-guard.ts';
import { loadRepository } from '../workspace.ts';
import { reportDiagnostics, tally } from '../report.ts';
import { defineCommand, type CommonOptions } from './command.ts';

export const command = defineCommand({
  name: 'validate',
  summary: 'Check the specs under environments/ and report every problem',
  usage: ['validate [--env <name>]... [--base <git-ref>] [--root <dir>]'],
  positionals: false,
  description: `Reads environments/<env>/environment.yaml and environments/<env>/models/*.yaml, checks their
shape against the JSON Schemas and the references between them, and prints every problem as
  file:line:col: error: message
with the offending line and a hint. Warnings do not fail the command. The promotion gate compares
an environment's releases with its promotedFrom environment as the base branch has it (the merge
base of HEAD with origin/main or main, or --base): see docs/promotion.md.`,
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
  run: ({ root, envs, values }, io) =>
    validateCommand({ root, ...(envs ? { envs } : {}), noCache: values['no-cache'], ...(values.base !== undefined ? { base: values.base } : {}) }, io),
});

export interface ValidateOptions extends CommonOptions {
  /** Ignore and do not write the workspace cache (.git/tritonops-cache/). */
  readonly noCache?: boolean;
  /** Also classify every change from this Git revision (see packages/charts/src/transitions.ts). */
  readonly base?: string;
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
  await reportDiagnostics(io, diagnostics, result.sources);
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
