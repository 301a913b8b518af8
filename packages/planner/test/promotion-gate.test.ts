import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RepositoryFs, type GateBase, type ReleaseHistory } from '../src/index.ts';
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
/** The diagnostics of the models' specs (the environments' own warnings left out). */
const ofModels = (lines: string[]) => lines.filter((d) => d.startsWith('environments/prod/models/'));

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

  it('hints `promote` only when it moves the target on; a hotfix ahead of the source is told to run there first', () => {
    const hint = (lines: string[]) => gateErrors(lines).map((l) => l.slice(l.indexOf(' [') + 2, -1));
    // prod ran v0 and now runs v2, which stage never ran; stage runs v1, new to prod: promoting moves prod on.
    const moves = history({ 'environments/prod/models/whisper.yaml': [whisper('v0')] });
    expect(hint(shown(workspace(files('v2'), undefined, { history: moves })))).toEqual([
      'promote it: `tritonops promote whisper --from stage --to prod` replaces the release of "prod" with the one "stage" runs; or set metadata.annotations["tritonops.dev/promotion-override"] to the reason',
    ]);
    // prod ran v1 (what stage runs) and was set to v2 by hand, a hotfix: promoting would set it back.
    const hotfix = history({ 'environments/prod/models/whisper.yaml': [whisper('v1')] });
    expect(hint(shown(workspace(files('v2'), undefined, { history: hotfix })))).toEqual([
      'run it in "stage" first (merge it there), or set metadata.annotations["tritonops.dev/promotion-override"] to the reason',
    ]);
  });

  it('flags an override the source has caught up with as stale, at the annotation', () => {
    const overridden = (release: string) =>
      whisper(release).replace('metadata: { name: whisper }', 'metadata:\n  name: whisper\n  annotations:\n    tritonops.dev/promotion-override: hotfix\n');
    const stale = ofModels(shown(workspace({ ...files('v1'), 'environments/prod/models/whisper.yaml': overridden('v1') })));
    expect(stale).toEqual([
      'environments/prod/models/whisper.yaml:6:5: warning: the promotion override of "whisper" is not needed any more: "stage" has run its release [remove metadata.annotations["tritonops.dev/promotion-override"] so that the next release of "whisper" goes through "stage" again (`tritonops promote` removes it when it copies a release)]',
    ]);
    expect(ofModels(shown(workspace({ ...files('v2'), 'environments/prod/models/whisper.yaml': overridden('v2') })))).toEqual([]);
  });
});

const bases: string[] = [];
afterAll(() => bases.forEach((b) => rmSync(b, { recursive: true, force: true })));

/** The base branch: these files, read like a commit (a folder here), with `history`. */
function base(files: Record<string, string>, past: ReleaseHistory = history({})): GateBase {
  const root = mkdtempSync(join(tmpdir(), 'tritonops-base-'));
  bases.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return { source: new RepositoryFs(root), history: past, label: 'main (abc)' };
}

describe('the promotion gate with a base branch', () => {
  const stageAt = (release: string) => ({
    'environments/stage/environment.yaml': environment('stage'),
    'environments/stage/models/whisper.yaml': whisper(release),
  });
  /** This change: stage and prod both moved to v2. */
  const change = { ...files('v2'), 'environments/stage/models/whisper.yaml': whisper('v2') };

  it('does not count a source change of the same change: one change cannot carry a release through two environments', () => {
    const result = workspace(change, undefined, { gateBase: base(stageAt('v1')) });
    expect(result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)).toEqual(['promotion-gate']);
    const errors = ofModels(shown(result));
    expect(errors).toEqual([
      'environments/prod/models/whisper.yaml:6:15: error: the release of "whisper" (s3://models/whisper/v2, nvcr.io/nvidia/tritonserver:24.10-py3) has not run in "stage" at main (abc), which environment "prod" is promoted from ["stage" runs it only in this change, not at main (abc): merge the change to stage first, then promote it in a pull request of its own]',
    ]);
  });

  it('passes once the source runs the release on the base, or ran it there (the base history)', () => {
    expect(ofModels(shown(workspace(change, undefined, { gateBase: base(stageAt('v2')) })))).toEqual([]);
    const past = history({ 'environments/stage/models/whisper.yaml': [whisper('v2')] });
    expect(ofModels(shown(workspace(change, undefined, { gateBase: base(stageAt('v3'), past) })))).toEqual([]);
  });

  it('compares a source the base does not have yet (a chain set up in this change) as loaded', () => {
    expect(ofModels(shown(workspace(change, undefined, { gateBase: base({ 'environments/other/environment.yaml': environment('other') }) })))).toEqual([]);
  });

  it('refuses a model the base source lacks', () => {
    const errors = ofModels(shown(workspace(change, undefined, { gateBase: base({ 'environments/stage/environment.yaml': environment('stage') }) })));
    expect(errors).toEqual([
      expect.stringContaining(
        'environments/prod/models/whisper.yaml:6:15: error: model "whisper" does not exist in "stage" at main (abc), which environment "prod" is promoted from',
      ),
    ]);
  });
});
