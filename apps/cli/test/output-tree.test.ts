import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FsProblem, RepositoryFs } from '@tritonops/planner';
import {
  changedRoots,
  desiredTree,
  diffTrees,
  foreignFiles,
  ForeignJournal,
  readTree,
  recoverInterruptedSwap,
  RENDERED_HEADER,
  SwapFailed,
  writeTree,
} from '../src/output-tree.ts';

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
      'flux/bootstrap/dev/gotk-sync.yaml': 'written by flux bootstrap',
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
    expect(readFileSync(join(root, 'flux/bootstrap/dev/gotk-sync.yaml'), 'utf8')).toBe('written by flux bootstrap');
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

  it('swaps only the given folders, and creates and removes whole environment folders', () => {
    const root = repo({
      'flux/models/dev/models/a.yaml': `${RENDERED_HEADER}\nold`,
      'flux/models/old/models/a.yaml': `${RENDERED_HEADER}\nstale`,
      'flux/models/prod/models/a.yaml': `${RENDERED_HEADER}\nprod`,
    });
    const current = readTree(root);
    const desired = desiredTree(
      current,
      rendered(['flux/models/dev/models/a.yaml', 'new'], ['flux/models/qa/models/a.yaml', 'qa'], ['flux/models/prod/models/a.yaml', 'prod']),
      ['flux'],
    );
    const change = diffTrees(current, desired);
    const roots = changedRoots(change);
    expect(roots).toEqual(['flux/models/dev', 'flux/models/old', 'flux/models/qa']);
    const prodInode = statSync(join(root, 'flux/models/prod/models/a.yaml')).ino;
    writeTree(root, desired, current, roots);
    expect(diffTrees(readTree(root), desired)).toEqual({ added: [], changed: [], removed: [] });
    expect(statSync(join(root, 'flux/models/prod/models/a.yaml')).ino).toBe(prodInode); // not even re-linked
    expect(existsSync(join(root, 'flux/models/old'))).toBe(false);
    expect(readdirSync(root)).toEqual(['flux']);
  });

  it('swaps the whole of flux/ when a change lies outside the environment folders', () => {
    expect(changedRoots({ added: ['flux/README.md'], changed: ['flux/models/dev/models/a.yaml'], removed: [] })).toEqual(['flux']);
  });

  /** The state a crash leaves after `renames` of a swap's renames. */
  function crashedSwap(renames: number): { root: string; before: Map<string, Buffer> } {
    const root = repo({
      'flux/clusters/dev/cluster.yaml': 'cluster v1',
      'flux/models/dev/models/a.yaml': 'model v1',
      'flux/models/prod/models/a.yaml': 'prod v1',
    });
    const before = readTree(root);
    const roots = ['flux/clusters/dev', 'flux/models/dev', 'flux/models/qa'];
    const staging = join(root, '.tritonops-tmp-999999');
    mkdirSync(join(staging, 'previous'), { recursive: true });
    const next = { 'flux/clusters/dev': 'cluster v2', 'flux/models/dev': 'model v2', 'flux/models/qa': 'qa v1' } as Record<string, string>;
    roots.forEach((r, i) => {
      mkdirSync(join(staging, 'next', String(i)), { recursive: true });
      writeFileSync(join(staging, 'next', String(i), 'file.yaml'), next[r]!);
    });
    writeFileSync(join(staging, 'swap.json'), JSON.stringify({ roots, existed: roots.map((r) => existsSync(join(root, r))) }));
    // Each root takes two renames: aside (when it existed), then in.
    const steps: (() => void)[] = roots.flatMap((r, i) => [
      ...(existsSync(join(root, r)) ? [() => renameSync(join(root, r), join(staging, 'previous', String(i)))] : []),
      () => {
        mkdirSync(join(root, r, '..'), { recursive: true });
        renameSync(join(staging, 'next', String(i)), join(root, r));
      },
    ]);
    steps.slice(0, renames).forEach((step) => step());
    return { root, before };
  }

  it('puts every folder back when a swap was interrupted at any point before its end', () => {
    for (let renames = 0; renames <= 5; renames++) {
      const { root, before } = crashedSwap(renames);
      recoverInterruptedSwap(root);
      expect(readTree(root), `after ${renames} renames`).toEqual(before);
      expect(existsSync(join(root, 'flux/models/qa')), `after ${renames} renames`).toBe(false);
      expect(readdirSync(root)).toEqual(['flux']);
    }
  });

  it('keeps a swap that got to its end, and leaves the staging folder of a running process alone', () => {
    const { root } = crashedSwap(5);
    writeFileSync(join(root, '.tritonops-tmp-999999/committed'), '');
    recoverInterruptedSwap(root);
    expect(readFileSync(join(root, 'flux/models/qa/file.yaml'), 'utf8')).toBe('qa v1');
    expect(readdirSync(root)).toEqual(['flux']);

    const running = join(root, `.tritonops-tmp-${process.ppid}`);
    mkdirSync(running);
    recoverInterruptedSwap(root);
    expect(existsSync(running)).toBe(true);
  });
});

describe('a swap that fails half way', () => {
  /** Three environment folders to swap; the rename number `failAt` (1-based) fails with EIO. */
  function failingSwap(failAt: number, rollbackFails = false) {
    const root = repo({
      'flux/clusters/dev/cluster.yaml': 'cluster v1',
      'flux/models/dev/models/a.yaml': 'model v1',
      'flux/models/prod/models/a.yaml': 'prod v1',
    });
    const before = readTree(root);
    const desired = new Map([
      ['flux/clusters/dev/cluster.yaml', Buffer.from('cluster v2')],
      ['flux/models/dev/models/a.yaml', Buffer.from('model v2')],
      ['flux/models/prod/models/a.yaml', Buffer.from('prod v2')],
    ]);
    let calls = 0;
    const rename = RepositoryFs.prototype.rename;
    const spy = vi.spyOn(RepositoryFs.prototype, 'rename').mockImplementation(function (this: RepositoryFs, from: string, to: string) {
      calls++;
      // The swap's renames come first; with rollbackFails, so does every rename of the rollback.
      if (calls === failAt || (rollbackFails && calls > failAt)) throw new FsProblem(from, 'os-error', 'EIO');
      rename.call(this, from, to);
    });
    let error: unknown;
    try {
      writeTree(root, desired, before, ['flux/clusters/dev', 'flux/models/dev', 'flux/models/prod']);
    } catch (e) {
      error = e;
    } finally {
      spy.mockRestore();
    }
    return { root, before, error };
  }

  it('puts every folder back at once and says so, whichever rename fails', () => {
    for (let failAt = 1; failAt <= 6; failAt++) {
      const { root, before, error } = failingSwap(failAt);
      expect(error, `rename ${failAt}`).toBeInstanceOf(SwapFailed);
      expect((error as SwapFailed).rolledBack).toBe(true);
      expect(readTree(root), `rename ${failAt}`).toEqual(before);
      expect(readdirSync(root), `rename ${failAt}`).toEqual(['flux']);
    }
  });

  it('when the rollback fails too, keeps the journal, and the next run puts the folders back', () => {
    const { root, before, error } = failingSwap(3, true);
    expect(error).toBeInstanceOf(SwapFailed);
    expect((error as SwapFailed).rolledBack).toBe(false);
    expect(readTree(root)).not.toEqual(before);
    recoverInterruptedSwap(root);
    expect(readTree(root)).toEqual(before);
    expect(readdirSync(root)).toEqual(['flux']);
  });

  it('refuses a journal that names folders outside flux/, touching nothing', () => {
    const root = repo({ 'flux/models/dev/models/a.yaml': 'model v1', 'victim/keep.txt': 'keep' });
    mkdirSync(join(root, '.tritonops-tmp-999999/previous/0'), { recursive: true });
    writeFileSync(join(root, '.tritonops-tmp-999999/swap.json'), JSON.stringify({ roots: ['victim'], existed: [true] }));
    expect(() => recoverInterruptedSwap(root)).toThrow(ForeignJournal);
    expect(readFileSync(join(root, 'victim/keep.txt'), 'utf8')).toBe('keep');
  });
});

describe('files tritonops did not render', () => {
  it('are foreign inside the folders Flux applies whole, bootstrap folders included, and nowhere else', () => {
    const tree = new Map([
      ['flux/models/dev/kustomization.yaml', Buffer.from('kind: Kustomization')],
      ['flux/clusters/dev/flux-system/gotk-components.yaml', Buffer.from('kind: ClusterRoleBinding')],
      ['flux/models/dev/models/a.yaml', Buffer.from(`${RENDERED_HEADER}\nkind: Deployment`)],
      ['flux/bootstrap/dev/gotk-sync.yaml', Buffer.from('kind: Kustomization')],
      ['flux/README.md', Buffer.from('notes')],
    ]);
    expect(foreignFiles(tree)).toEqual(['flux/clusters/dev/flux-system/gotk-components.yaml', 'flux/models/dev/kustomization.yaml']);
  });
});
