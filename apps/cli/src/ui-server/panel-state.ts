/**
 * The panel's warm process: the repository's specs checked once at start, kept in memory with
 * the per-file results (`SpecCache`), so that an edit is re-checked in milliseconds rather than
 * re-read from scratch. The working tree stays the truth: before answering, the spec files' sizes
 * and modification times are compared with the last load, and anything that changed (an editor, a
 * `git checkout`) is loaded again. The Git base of the promotion gate is resolved again when HEAD
 * or the base moves (`baseStamp`), and the files' Git histories are remembered until then.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import {
  ENVIRONMENTS_DIR,
  listEnvironments,
  planRepository,
  RepositoryFs,
  type CheckedContent,
  type GateBase,
  type ReleaseHistory,
  type RepositoryPlanResult,
  type SpecCache,
  type SpecSource,
} from '@tritonops/planner';
import { baseStamp, gateBase, releaseHistory } from '../git.ts';

export interface PanelLoad extends RepositoryPlanResult {
  /** How the promotion gate compared. */
  readonly gate: string;
  /** The specs at the base the gate compares with (undefined when it compares with the working tree). */
  readonly baseSpecs?: SpecSource;
}

class MemorySpecCache implements SpecCache {
  readonly #entries = new Map<string, CheckedContent>();
  get(environment: string, key: string): CheckedContent | undefined {
    return this.#entries.get(`${environment}\0${key}`);
  }
  set(environment: string, key: string, checked: CheckedContent): void {
    this.#entries.set(`${environment}\0${key}`, checked);
  }
}

/**
 * Every entry under environments/ with its kind, and a file's size and mtime (without reading
 * it): what tells a change. Links and special files count too: the loader refuses them, so one
 * appearing or going changes what a check says.
 */
function specStamp(root: string): string {
  const fs = new RepositoryFs(root);
  const parts: string[] = [];
  const walk = (rel: string, depth: number) => {
    for (const entry of fs.list(rel) ?? []) {
      const path = `${rel}/${entry.name}`;
      if (entry.kind === 'folder' && depth < 3) walk(path, depth + 1);
      else if (entry.kind === 'file') {
        try {
          const s = statSync(join(root, path));
          parts.push(`${path}\0${s.size}\0${s.mtimeMs}`);
        } catch {
          parts.push(`${path}\0gone`);
        }
      } else parts.push(`${path}\0${entry.kind}`);
    }
  };
  walk(ENVIRONMENTS_DIR, 0);
  return parts.join('\n');
}

/**
 * A history that remembers what it read: the gate asks for the committed versions of the same
 * files on every check, and each answer costs git processes. Dropped with the Git side when HEAD
 * or the base moves.
 */
function rememberedHistory(history: ReleaseHistory): ReleaseHistory {
  const known = new Map<string, string[]>();
  return {
    versions(rel) {
      let versions = known.get(rel);
      if (!versions) known.set(rel, (versions = history.versions(rel)));
      return versions;
    },
  };
}

export class PanelState {
  readonly #cache = new MemorySpecCache();
  #load: PanelLoad | undefined;
  #stamp = '';
  #head = '';
  #git: { history: ReleaseHistory; gate?: GateBase; label: string } | undefined;

  constructor(
    readonly root: string,
    /** The ref the promotion gate and the Changes page compare with (`--base`); the merge base with main when absent. */
    readonly base?: string,
  ) {}

  /** The Git side of a load: history and the gate's base, resolved again when HEAD or the base moves. */
  #gitSide(): { history: ReleaseHistory; gate?: GateBase; label: string } {
    const head = baseStamp(this.root, this.base);
    if (!this.#git || head !== this.#head) {
      const base = gateBase(this.root, this.base);
      const label = !base ? 'the working tree (not the top of a Git repository)' : 'missing' in base ? `the working tree (${base.missing})` : base.label;
      const gate = base && !('missing' in base) ? { ...base, history: rememberedHistory(base.history) } : undefined;
      this.#git = { history: rememberedHistory(releaseHistory(this.root)), ...(gate ? { gate } : {}), label };
      this.#head = head;
      this.#load = undefined;
    }
    return this.#git;
  }

  /** The whole repository as it is now (from memory when no spec file changed). */
  current(): PanelLoad {
    const git = this.#gitSide();
    const stamp = specStamp(this.root);
    if (!this.#load || stamp !== this.#stamp) {
      this.#load = { ...this.#plan(git), gate: git.label, ...(git.gate ? { baseSpecs: git.gate.source } : {}) };
      this.#stamp = stamp;
    }
    return this.#load;
  }

  /** One environment with `overrides` (absolute path → bytes) in place of the files on disk: an edit's check. */
  check(env: string, overrides: ReadonlyMap<string, Uint8Array>): RepositoryPlanResult {
    return this.#plan(this.#gitSide(), { only: [env], overrides });
  }

  /** Loads everything and checks each environment once on its own, so that the first edit's check is as fast as the next. */
  warm(): void {
    this.current();
    for (const env of this.environments()) this.check(env, new Map());
  }

  /** Forget the last load: after the panel itself wrote files. */
  invalidate(): void {
    this.#load = undefined;
  }

  environments(): string[] {
    return listEnvironments(this.root);
  }

  #plan(git: { history: ReleaseHistory; gate?: GateBase }, extra: { only?: string[]; overrides?: ReadonlyMap<string, Uint8Array> } = {}): RepositoryPlanResult {
    return planRepository({
      root: this.root,
      displayBase: this.root,
      cache: this.#cache,
      history: git.history,
      ...(git.gate ? { gateBase: git.gate } : {}),
      ...extra,
    });
  }
}
