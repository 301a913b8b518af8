/**
 * A fingerprint of the code that turns specs into YAML: the sources of the charts (with the
 * embedded Python), of the planner and of the spec language, the versions of the libraries they
 * render with, and Node's. Anything in the render cache (`cache.ts`) is valid only under the same
 * fingerprint, so editing a renderer (or upgrading cdk8s) invalidates every cached result without
 * anyone having to remember to. The packages are located, never imported: `validate` loads no cdk8s.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RENDERING_LIBRARIES = ['cdk8s', 'cdk8s-plus-28', 'constructs', 'yaml', 'ajv', '@sinclair/typebox'];

/** What the fingerprint covers: source files (absolute paths, sorted) and library versions. */
export function fingerprintInputs(): { files: string[]; libraries: Record<string, string> } {
  const [chartsRoot, plannerRoot, specRoot] = ['@tritonops/charts', '@tritonops/planner', '@tritonops/spec'].map(packageRoot) as [string, string, string];
  const files = [join(chartsRoot, 'src'), join(chartsRoot, 'python'), join(plannerRoot, 'src'), join(specRoot, 'src')].flatMap(filesUnder);
  // Resolved as each package resolves them: cdk8s is the charts', ajv and typebox the planner's and the spec's.
  const requires = [chartsRoot, plannerRoot, specRoot].map((root) => createRequire(join(root, 'package.json')));
  const libraries = Object.fromEntries(RENDERING_LIBRARIES.map((l) => [l, libraryVersion(requires, l)]));
  return { files, libraries: { ...libraries, node: process.version } };
}

let memo: string | undefined;

export function rendererFingerprint(): string {
  if (memo) return memo;
  const { files, libraries } = fingerprintInputs();
  const hash = createHash('sha256');
  for (const file of files)
    hash
      .update(`${file.slice(file.lastIndexOf('/packages/'))}\0`)
      .update(readFileSync(file))
      .update('\0');
  for (const [library, version] of Object.entries(libraries)) hash.update(`${library}@${version}\0`);
  memo = hash.digest('hex');
  return memo;
}

/** A workspace package's folder: its entry point is `src/index.ts`. */
function packageRoot(name: string): string {
  return dirname(dirname(fileURLToPath(import.meta.resolve(name))));
}

function libraryVersion(requires: NodeRequire[], library: string): string {
  for (const require of requires) {
    let entry: string;
    try {
      entry = require.resolve(library);
    } catch {
      continue; // not a dependency of this package: try the next
    }
    // Walk up from the entry point: not every package exports its package.json.
    for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
      try {
        const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (manifest.name === library) return manifest.version ?? 'unknown';
      } catch {
        // no package.json at this level
      }
    }
  }
  return 'unknown';
}

/** Files under `folder`, sorted, skipping caches Python leaves behind. */
function filesUnder(folder: string): string[] {
  let entries;
  try {
    entries = readdirSync(folder, { withFileTypes: true, recursive: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isFile() && !e.parentPath.includes('__pycache__') && !e.name.endsWith('.pyc'))
    .map((e) => join(e.parentPath, e.name))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
