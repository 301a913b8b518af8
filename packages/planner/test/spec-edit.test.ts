import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { promoteCanary, setCanaryWeight } from '../src/edit/spec-edit.ts';

const SPEC = `kind: Model
spec:
  image: nvcr.io/nvidia/tritonserver:24.10-py3   # pinned
  repository: "s3://models/a/v1"
  resources: { cpu: "2", memory: 8Gi }
  # next release
  canary:
    repository: "s3://models/a/v2"
    args:
      - --log-verbose=1
      - --backend-config=python,shm-default-byte-size=16777216
    weight: 5
  traffic:
    timeout: 30s
`;

describe('comment-preserving spec edits', () => {
  it('promotes: replaces values in place, inserts new release fields, drops the canary block and its comment', () => {
    const result = promoteCanary(SPEC);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.text).toBe(`kind: Model
spec:
  image: nvcr.io/nvidia/tritonserver:24.10-py3   # pinned
  repository: "s3://models/a/v2"
  resources: { cpu: "2", memory: 8Gi }
  args:
    - --log-verbose=1
    - --backend-config=python,shm-default-byte-size=16777216
  traffic:
    timeout: 30s
`);
    expect(parse(result.text).spec.args).toEqual(['--log-verbose=1', '--backend-config=python,shm-default-byte-size=16777216']);
    expect(result.changes).toEqual([
      'repository: "s3://models/a/v1" -> "s3://models/a/v2"',
      'args: (none) -> - --log-verbose=1 - --backend-config=python,shm-default-byte-size=16777216',
    ]);
  });

  it('sets the weight in place, or adds it under the canary', () => {
    const set = setCanaryWeight(SPEC, 40);
    expect(set.ok && set.text).toBe(SPEC.replace('weight: 5', 'weight: 40'));
    const without = SPEC.replace('    weight: 5\n', '');
    const added = setCanaryWeight(without, 7);
    expect(added.ok && parse(added.text).spec.canary.weight).toBe(7);
    expect(added.ok && added.text.split('\n').filter((l, i) => l !== without.split('\n')[i]).length).toBeLessThanOrEqual(8);
  });

  it('refuses files without a canary, and models under analysis', () => {
    expect(promoteCanary('spec:\n  image: x\n')).toMatchObject({ ok: false, problem: 'the model has no canary' });
    expect(setCanaryWeight('spec:\n  canary:\n    analysis: {}\n', 5)).toMatchObject({ ok: false, problem: expect.stringContaining('Flagger') });
  });
});
