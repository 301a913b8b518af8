/**
 * Environment-wide files do not depend on the models: adding, changing or removing one rewrites
 * only its own files, so pull requests that touch different models never edit the same file
 * (docs/architecture.md, "Concurrent pull requests"; test/concurrent-prs.test.ts merges them).
 * Flagger is the one exception: it is installed while some model uses canary analysis.
 */
import { describe, expect, it } from 'vitest';
import { renderEnvironment } from '../src/index.ts';
import { planOf } from './plans.ts';

/** Rendered files that belong to no model: path -> content. */
function environmentWide(models: Record<string, string>): Map<string, string> {
  const own = (path: string) => /^flux\/(clusters\/test\/models\/|models\/test\/models\/)/.test(path);
  return new Map(
    renderEnvironment(planOf(models))
      .filter((f) => !own(f.path))
      .map((f) => [f.path, f.content]),
  );
}

const WHISPER = '  gpuPool: t4\n  gpus: 1\n';
const ANALYSIS = '  canary:\n    analysis: { stepWeight: 10, maxWeight: 50, successRate: 99 }\n';
const FLAGGER = [
  'flux/infrastructure/test/flagger.yaml',
  'flux/infrastructure/test/helm-repositories.yaml',
  'flux/models/test/environment/flagger-metrics.yaml',
];

describe('environment-wide files', () => {
  it('are the same bytes whatever models the environment has, on whatever pools', () => {
    const one = environmentWide({ whisper: WHISPER });
    expect(one.has('flux/models/test/environment/dashboard.yaml')).toBe(true);
    const variants: Record<string, string>[] = [
      { whisper: WHISPER, bert: '  gpuPool: t4\n' },
      { densenet: '  gpuPool: a100-mig\n  cache: sfs\n', tokenizer: '  resources: { cpu: 500m, memory: 1Gi, shm: 64Mi }\n' },
      {
        whisper:
          '  gpuPool: t4\n  canary: { repository: s3://models/whisper/v2, weight: 10 }\n  autoscaling: { minReplicas: 1, maxReplicas: 3, triggers: { queueTimeMs: 100 } }\n',
      },
      {},
    ];
    for (const models of variants) {
      const other = environmentWide(models);
      expect([...other.keys()], Object.keys(models).join(',')).toEqual([...one.keys()]);
      for (const [path, content] of other) expect(content, `${path} with ${Object.keys(models).join(', ') || 'no model'}`).toBe(one.get(path));
    }
  });

  it('change with the models only by Flagger, installed while some model uses canary analysis', () => {
    const without = environmentWide({ whisper: WHISPER });
    const analysed = environmentWide({ whisper: WHISPER, bert: ANALYSIS });
    const changed = [...new Set([...without.keys(), ...analysed.keys()])].filter((p) => without.get(p) !== analysed.get(p)).sort();
    expect(changed).toEqual(FLAGGER);
    // A second analysed model changes nothing more.
    expect(environmentWide({ whisper: WHISPER + ANALYSIS, bert: ANALYSIS })).toEqual(analysed);
  });
});
