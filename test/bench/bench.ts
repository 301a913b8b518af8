/**
 * `npm run bench`: how tritonops scales with the fleet. Prints figures and the targets beside them;
 * it is a report, never a test that fails on a slow machine.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { modelName, writeFleet } from '../support/fleet.ts';
import { measureFluxLoad } from './flux-load.ts';
import { measurePanel } from './panel-load.ts';

const REPO = resolve(import.meta.dirname, '../..');
const TSX = join(REPO, 'node_modules/.bin/tsx');

interface Measurement {
  wallMs: number;
  floorMs: number;
  objects: number;
  maxRssMiB: number;
}

function phase(root: string, name: 'synth' | 'floor'): Record<string, number> {
  const child = spawnSync(TSX, [join(import.meta.dirname, 'measure.ts')], {
    env: { ...process.env, ROOT: root, PHASE: name },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (child.status !== 0) throw new Error(`measurement failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as Record<string, number>;
}

function measure(root: string): Measurement {
  const synth = phase(root, 'synth');
  const floor = phase(root, 'floor');
  return { wallMs: synth.wallMs!, maxRssMiB: synth.maxRssMiB!, floorMs: floor.floorMs!, objects: floor.objects! };
}

function timeCommand(args: string[], cwd: string): number {
  const start = performance.now();
  const child = spawnSync(args[0]!, args.slice(1), { cwd, encoding: 'utf8', env: { ...process.env, NX_DAEMON: 'false' } });
  if (child.status !== 0) throw new Error(`${args.join(' ')} failed: ${child.stderr}${child.stdout}`);
  return performance.now() - start;
}

const row = (cells: (string | number)[]) => cells.map((c) => String(c).padEnd(14)).join('');
const results = new Map<number, Measurement>();
console.log(`tritonops benchmark on ${process.platform}/${process.arch}, Node ${process.version}`);
console.log(row(['models×3 env', 'objects', 'wall ms', 'floor ms', 'wall/floor', 'objects/s', 'peak RSS MiB']));
const fleets: string[] = [];
for (const size of [10, 100, 1000]) {
  const root = mkdtempSync(join(tmpdir(), `tritonops-bench-${size}-`));
  fleets.push(root);
  writeFleet(root, size);
  const m = measure(root);
  results.set(size, m);
  console.log(
    row([
      `${size}×3`,
      m.objects,
      m.wallMs.toFixed(0),
      m.floorMs.toFixed(0),
      (m.wallMs / m.floorMs).toFixed(1),
      Math.round(m.objects / (m.wallMs / 1000)),
      m.maxRssMiB.toFixed(0),
    ]),
  );
}

// A one-model change in the largest fleet (more CPU for one model in staging): only that model's
// file changes in flux/.
const big = fleets[2]!;
const spec = join(big, 'environments/staging/models', `${modelName(7)}.yaml`);
writeFileSync(spec, readFileSync(spec, 'utf8').replace('cpu: "2"', 'cpu: "3"'));
const oneChange = measure(big);
// The same kind of change as a user runs it: a fresh `tritonops synth` process, Node and tsx
// loading the TypeScript sources included.
writeFileSync(spec, readFileSync(spec, 'utf8').replace('cpu: "3"', 'cpu: "4"'));
const oneChangeProcess = timeCommand([process.execPath, join(REPO, 'apps/cli/bin/tritonops.mjs'), 'synth', '--root', big], big);

// The control panel on the largest fleet: first paint of the fleet page in Chromium, and a model
// form's live check (the same model, one field changed each time).
const panel = await measurePanel(big, 'staging', modelName(7));

// Through Nx on this repository's own environments (whatever the team's are): a cached no-op, then
// a change to one model's spec in an environment another is promoted from (a comment: the render
// stays the same), which re-runs it and the environments promoted from it, and replays the rest.
const NX_SYNTH = ['npx', 'nx', 'run-many', '-t', 'synth'];
timeCommand(NX_SYNTH, REPO);
const noop = timeCommand(NX_SYNTH, REPO);
const devSpec = modelOfSourceEnvironment(REPO);
let nxOneEnvironment: number | undefined;
if (devSpec) {
  const devText = readFileSync(devSpec, 'utf8');
  try {
    writeFileSync(devSpec, `${devText}# bench run at ${Date.now()}: a fresh input, never in the cache\n`);
    nxOneEnvironment = timeCommand(NX_SYNTH, REPO);
  } finally {
    writeFileSync(devSpec, devText);
  }
  timeCommand(NX_SYNTH, REPO);
}

/** A model spec of an environment that another environment is promoted from, if there is one. */
function modelOfSourceEnvironment(root: string): string | undefined {
  const envs = join(root, 'environments');
  const names = existsSync(envs) ? readdirSync(envs).sort() : [];
  const sources = new Set(
    names.flatMap((env) => {
      const file = join(envs, env, 'environment.yaml');
      const from = existsSync(file) ? /^\s*promotedFrom:\s*([\w-]+)/m.exec(readFileSync(file, 'utf8'))?.[1] : undefined;
      return from ? [from] : [];
    }),
  );
  for (const env of names.filter((n) => sources.has(n))) {
    const models = join(envs, env, 'models');
    const spec = existsSync(models)
      ? readdirSync(models)
          .sort()
          .find((f) => /\.ya?ml$/.test(f))
      : undefined;
    if (spec) return join(models, spec);
  }
  return undefined;
}

const [r100, r1000] = [results.get(100)!, results.get(1000)!];
const targets: [string, string, boolean][] = [
  ['1000×3 wall time ≤ 10 s', `${(r1000.wallMs / 1000).toFixed(1)} s`, r1000.wallMs <= 10_000],
  ['1000×3 wall ≤ 2.5 × floor', `${(r1000.wallMs / r1000.floorMs).toFixed(1)} ×`, r1000.wallMs <= 2.5 * r1000.floorMs],
  ['peak RSS ≤ 1 GiB', `${r1000.maxRssMiB.toFixed(0)} MiB`, r1000.maxRssMiB <= 1024],
  ['1000 vs 100 models ≤ 11 ×', `${(r1000.wallMs / r100.wallMs).toFixed(1)} ×`, r1000.wallMs <= 11 * r100.wallMs],
  ['one-model change ≤ 1.5 s', `${(oneChange.wallMs / 1000).toFixed(1)} s`, oneChange.wallMs <= 1500],
  ['cached no-op through Nx ≤ 1.5 s', `${(noop / 1000).toFixed(1)} s`, noop <= 1500],
];
if (typeof panel.firstPaint !== 'string') {
  const ms = panel.firstPaint.medianRowMs;
  targets.push(['panel: fleet first paint ≤ 1 s', `${ms.toFixed(0)} ms`, ms <= 1000]);
}
if (typeof panel.editRoundTrip !== 'string') {
  const ms = panel.editRoundTrip.medianMs;
  targets.push(['panel: edit round trip ≤ 200 ms', `${ms.toFixed(0)} ms`, ms <= 200]);
}
console.log('\ntarget                              measured     ');
for (const [target, measured, met] of targets) console.log(`${target.padEnd(36)}${measured.padEnd(13)}${met ? 'met' : 'MISSED'}`);
console.log(`\nthe one-model change as a fresh tritonops process (startup included): ${(oneChangeProcess / 1000).toFixed(1)} s`);
console.log(
  nxOneEnvironment === undefined
    ? 'through Nx, a spec edit: not measured (no environment here is promoted from another)'
    : `through Nx, a spec edit in an environment others are promoted from (it and those re-run, the rest replayed): ${(nxOneEnvironment / 1000).toFixed(1)} s`,
);
console.log(
  typeof panel.firstPaint === 'string'
    ? `panel, fleet first paint: not measured (${panel.firstPaint})`
    : `panel, fleet page of 1000×3 in Chromium: first row visible ${panel.firstPaint.medianRowMs.toFixed(0)} ms after navigation start (median of ${panel.firstPaint.loads} tabs; the first tab ${panel.firstPaint.first.firstRowMs.toFixed(0)} ms; first contentful paint ${panel.firstPaint.first.firstContentfulPaintMs?.toFixed(0) ?? '?'} ms)`,
);
console.log(
  typeof panel.editRoundTrip === 'string'
    ? `panel, edit round trip: not measured (${panel.editRoundTrip})`
    : `panel, a model edit checked (POST …/check, whole environment re-checked): ${panel.editRoundTrip.medianMs.toFixed(0)} ms round trip, ${panel.editRoundTrip.serverMedianMs.toFixed(0)} ms in the server (median of ${panel.editRoundTrip.edits})`,
);

// Flux: one Kustomization per model. What each costs the kustomize-controller, and what that means
// for 1000 models at the rendered interval (10 min) and Flux's default --concurrent=4.
const load = await measureFluxLoad(big, 100);
if (typeof load === 'string') {
  console.log(`\nFlux load per model Kustomization: not measured (${load})`);
} else {
  const busy = (concurrent: number) => ((1000 * load.steadyMs) / (10 * 60 * 1000 * concurrent)) * 100;
  console.log(
    `\nFlux, one Kustomization per model (${load.models} of the 1000 production models, ${load.objectsPerModel} objects each, a local kube-apiserver):`,
  );
  console.log(
    `  first apply ${load.createMs.toFixed(0)} ms; steady-state reconcile (dry run of each object) ${load.steadyMs.toFixed(0)} ms mean, ${load.steadyP95Ms.toFixed(0)} ms p95`,
  );
  console.log(
    `  1000 models every 10 min keep kustomize-controller's workers busy ${busy(4).toFixed(1)}% of the time at --concurrent=4 (${busy(20).toFixed(1)}% at 20), before build and health checks`,
  );
}
for (const root of fleets) rmSync(root, { recursive: true, force: true });
