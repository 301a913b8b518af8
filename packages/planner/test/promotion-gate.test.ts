import { describe, expect, it } from 'vitest';
import type { ReleaseHistory } from '../src/index.ts';
import { environment, model, shown, workspace } from './tiny-workspace.ts';

/** whisper's spec running `release`. */
const whisper = (release: string) => model('whisper', '  gpuPool: t4\n').replace('s3://models/whisper/v1', `s3://models/whisper/${release}`);

/** Two environments, `prod` promoted from `stage`; whisper runs v1 in stage and `release` in prod. */
const files = (release: string) => ({
  'environments/stage/environment.yaml': environment('stage'),
  'environments/prod/environment.yaml': environment('prod', '  promotedFrom: stage\n'),
  'environments/stage/models/whisper.yaml': whisper('v1'),
  'environments/prod/models/whisper.yaml': whisper(release),
});

const gateErrors = (lines: string[]) => lines.filter((d) => d.includes('has not run'));

/** A test double: the caller's history, with the paths it was asked about. */
function history(versions: Record<string, string[]>): ReleaseHistory & { asked: string[] } {
  const asked: string[] = [];
  return { asked, versions: (rel) => (asked.push(rel), versions[rel] ?? []) };
}

describe('the promotion gate', () => {
  it('asks the history it is given whether the source has run a release', () => {
    const past = history({ 'environments/stage/models/whisper.yaml': [whisper('v1'), whisper('v0')] });
    expect(gateErrors(shown(workspace(files('v0'), undefined, { history: past })))).toEqual([]);
    expect(past.asked).toEqual(['environments/stage/models/whisper.yaml']);
  });

  it('without a history, counts only what the source runs now', () => {
    expect(gateErrors(shown(workspace(files('v1'))))).toEqual([]);
    expect(gateErrors(shown(workspace(files('v0'))))).toHaveLength(1);
    expect(gateErrors(shown(workspace(files('v0'), undefined, { history: history({}) })))).toHaveLength(1);
  });
});
