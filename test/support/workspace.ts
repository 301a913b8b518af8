/**
 * Helpers to render the bundled environments and to run the CLI on throw-away copies.
 *
 * The tool's own tests read the bundled examples from their fixture copy, `BUNDLED`
 * (test/fixtures/bundled/environments/), never from the repository's `environments/`: that folder
 * holds a team's own specs, and a team adding a model there must not break these tests
 * (test/team-specs.test.ts checks it). Only the checks meant to run on the team's specs read
 * `REPO_ROOT`'s environments/ and flux/ (the allowlist in test/team-specs.test.ts).
 */
import { cpSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { renderAll, type RenderedFile } from '@tritonops/charts';
import { runCli, type CliResult } from '@tritonops/cli/testing';
import { planRepository } from '@tritonops/planner';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const SHARED_DIR = resolve(REPO_ROOT, '../shared');
/** The workspace of the bundled example environments (a byte-for-byte copy of the examples; no flux/). */
export const BUNDLED = join(REPO_ROOT, 'test/fixtures/bundled');

export function renderBundled(root = BUNDLED): RenderedFile[] {
  const result = planRepository({ root, displayBase: root });
  if (result.hasErrors) throw new Error(`bundled specs have errors: ${result.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`).join('\n')}`);
  return renderAll(result.plans);
}

/** Every object of the rendered files, parsed back from the YAML text (what Flux reads). */
export function parsedObjects(files: readonly RenderedFile[]): { file: string; object: Record<string, unknown> }[] {
  return files.flatMap((f) =>
    parseAllDocuments(f.content).flatMap((doc) => {
      if (Array.isArray(doc)) return [];
      if (doc.errors.length) throw new Error(`${f.path}: ${doc.errors[0]!.message}`);
      return [{ file: f.path, object: doc.toJS() as Record<string, unknown> }];
    }),
  );
}

/** Runs the CLI in-process with `cwd`: the runner apps/cli's own tests use. */
export { runCli, type CliResult };

/** A temporary directory removed by the returned function. */
export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `tritonops-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Copies `environments/` (and `flux/` when present) of `from` into a new temp dir. */
export function copyWorkspace(from: string, prefix: string): { path: string; remove: () => void } {
  const dir = tempDir(prefix);
  cpSync(join(from, 'environments'), join(dir.path, 'environments'), { recursive: true });
  try {
    cpSync(join(from, 'flux'), join(dir.path, 'flux'), { recursive: true });
  } catch {
    // no flux/ yet
  }
  return dir;
}

/**
 * A temp copy of the bundled environments with flux/ rendered into it by `tritonops synth`: what
 * the committed flux/ of a repository holding only the examples would be.
 */
export async function renderedBundledWorkspace(prefix: string): Promise<{ path: string; remove: () => void }> {
  const dir = copyWorkspace(BUNDLED, prefix);
  const result = await runCli(['synth', '--no-cache'], dir.path);
  if (result.code !== 0) {
    dir.remove();
    throw new Error(`synth of the bundled environments failed (${result.code}): ${result.stderr}`);
  }
  return dir;
}

/**
 * All files of a folder with their bytes, by relative path: for "nothing changed" assertions.
 * Links are recorded as links (never followed), special files by their kind.
 */
export function snapshotDir(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d).sort()) {
      const full = join(d, entry);
      const stats = lstatSync(full);
      const path = relative(dir, full).split(sep).join('/');
      if (stats.isSymbolicLink()) files.set(path, `symlink -> ${readlinkSync(full)}`);
      else if (stats.isDirectory()) walk(full);
      else if (stats.isFile()) files.set(path, readFileSync(full).toString('base64'));
      else files.set(path, `special file, mode ${stats.mode.toString(8)}`);
    }
  };
  try {
    walk(dir);
  } catch {
    // missing folder: empty snapshot
  }
  return files;
}
