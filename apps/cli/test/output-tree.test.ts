import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { desiredTree, diffTrees, readTree, recoverInterruptedSwap, RENDERED_HEADER, writeTree } from '../src/output-tree.ts';

const roots: string[] = [];
afterEach(() => roots.splice(0).forEach((r) => rmSync(r, { recursive: true, force: true })));

function repo(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'tritonops-tree-'));
  roots.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}
const rendered = (...files: [path: string, body: string][]) => new Map(files.map(([path, body]) => [path, Buffer.from(`${RENDERED_HEADER}\n${body}`)]));

describe('the flux/ tree', () => {
  it('replaces our files, removes our stale ones and keeps files it did not render', () => {
    const root = repo({
      'flux/models/dev/models/old.yaml': `${RENDERED_HEADER}\nold`,
      'flux/models/dev/models/keep.yaml': `${RENDERED_HEADER}\nbefore`,
      'flux/clusters/dev/flux-system/gotk-sync.yaml': 'written by flux bootstrap',
    });
    const current = readTree(root);
    const desired = desiredTree(current, rendered(['flux/models/dev/models/keep.yaml', 'after'], ['flux/models/dev/models/new.yaml', 'new']), ['flux']);
    expect(diffTrees(current, desired)).toEqual({
      added: ['flux/models/dev/models/new.yaml'],
      changed: ['flux/models/dev/models/keep.yaml'],
      removed: ['flux/models/dev/models/old.yaml'],
    });
    writeTree(root, desired);
    expect(readFileSync(join(root, 'flux/models/dev/models/keep.yaml'), 'utf8')).toBe(`${RENDERED_HEADER}\nafter`);
    expect(existsSync(join(root, 'flux/models/dev/models/old.yaml'))).toBe(false);
    expect(readFileSync(join(root, 'flux/clusters/dev/flux-system/gotk-sync.yaml'), 'utf8')).toBe('written by flux bootstrap');
    expect(diffTrees(readTree(root), desired)).toEqual({ added: [], changed: [], removed: [] });
  });

  it('with --env, leaves the other environments alone', () => {
    const root = repo({ 'flux/models/prod/models/a.yaml': `${RENDERED_HEADER}\nprod` });
    const current = readTree(root);
    const desired = desiredTree(current, rendered(['flux/models/dev/models/a.yaml', 'dev']), ['flux/models/dev', 'flux/clusters/dev']);
    expect(diffTrees(current, desired).removed).toEqual([]);
  });

  it('leaves no staging folder behind', () => {
    const root = repo({});
    writeTree(root, new Map([['flux/a.yaml', Buffer.from('a')]]));
    expect(readTree(root).get('flux/a.yaml')?.toString()).toBe('a');
    expect(readdirSync(root)).toEqual(['flux']);
  });

  it('puts the previous tree back when a swap was interrupted between its two renames', () => {
    const root = repo({ 'flux/a.yaml': 'previous' });
    // The state a crash after the first rename leaves: flux/ moved aside, the new tree not in place.
    mkdirSync(join(root, '.tritonops-tmp-123/next'), { recursive: true });
    renameSync(join(root, 'flux'), join(root, '.tritonops-tmp-123/previous'));
    recoverInterruptedSwap(root);
    expect(readFileSync(join(root, 'flux/a.yaml'), 'utf8')).toBe('previous');
    expect(existsSync(join(root, '.tritonops-tmp-123'))).toBe(false);
  });
});
