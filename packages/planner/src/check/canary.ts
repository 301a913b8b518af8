/**
 * A model's canary is either static routing of a second release (weight, header, mirror) or
 * Flagger's analysis of every release, never both; a static canary must run something new and
 * be reachable.
 */
import { RELEASE_FIELDS, type ModelSpec } from '@tritonops/spec';
import { type Diagnostic } from '../diagnostics.ts';
import { reporter } from '../report.ts';
import type { SourceFile } from '../load/source-file.ts';

export function checkCanary(file: SourceFile, spec: ModelSpec): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = reporter(file, out);
  // Canary: either static routing of a second release, or Flagger analysis of every release.
  const canary = spec.canary;
  if (canary) {
    const releaseKeys = RELEASE_FIELDS.filter((k) => canary[k] !== undefined);
    const routingKeys = (['weight', 'header', 'mirror'] as const).filter((k) => canary[k] !== undefined);
    if (canary.analysis) {
      for (const key of routingKeys) {
        report.error(
          ['spec', 'canary', key],
          'analysis-with-static-routing',
          `canary.${key} cannot be combined with canary.analysis: Flagger sets the weights`,
          'remove one of the two: static routing (weight, header, mirror) or analysis',
          'key',
        );
      }
      for (const key of releaseKeys) {
        report.error(
          ['spec', 'canary', key],
          'analysis-with-release',
          `canary.${key} cannot be combined with canary.analysis: Flagger makes a canary of every change to the model's own release`,
          `change spec.${key} itself to release under analysis`,
          'key',
        );
      }
      if (canary.analysis.stepWeight > canary.analysis.maxWeight) {
        report.error(
          ['spec', 'canary', 'analysis', 'stepWeight'],
          'analysis-step',
          `stepWeight (${canary.analysis.stepWeight}) is larger than maxWeight (${canary.analysis.maxWeight})`,
          'take smaller steps, or raise maxWeight',
        );
      }
    } else {
      const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
      const differs =
        (canary.image !== undefined && canary.image !== spec.image) ||
        (canary.repository !== undefined && canary.repository !== spec.repository) ||
        (canary.models !== undefined && !same(canary.models, spec.models)) ||
        (canary.args !== undefined && !same(canary.args, spec.args));
      if (!differs) {
        report.error(
          ['spec', 'canary'],
          'canary-same-release',
          'the canary runs the same release as the stable track',
          'give the canary its own `image`, `repository`, `models` or `args`',
          'key',
        );
      }
      if ((canary.weight ?? 0) > 0 && canary.replicas === 0 && !canary.autoscaling) {
        report.error(
          ['spec', 'canary', 'replicas'],
          'canary-weight-without-replicas',
          `the canary gets ${canary.weight}% of the traffic but runs no replica: those requests would fail`,
          'give the canary at least one replica, or set `weight: 0`',
        );
      }
      if (canary.weight === undefined && canary.header === undefined && canary.mirror === undefined) {
        report.warn(
          ['spec', 'canary'],
          'canary-without-traffic',
          'the canary receives no traffic: it has no weight, header or mirror',
          'set `weight` (e.g. 10), a `header` for testers, or `mirror`',
        );
      }
    }
  }
  return out;
}
