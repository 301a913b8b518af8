/**
 * One measurement, in a fresh process so that peak RSS is this run's own. PHASE=synth: a full
 * `synth` of the fleet under ROOT. PHASE=floor: the floor, the same final objects serialized by
 * the `yaml` library alone (rendered first, outside the timing).
 */
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { renderAll } from '@tritonops/charts';
import { run } from '@tritonops/cli';
import { planRepository } from '@tritonops/planner';

const root = process.env.ROOT!;
if (process.env.PHASE === 'floor') {
  const objects = renderAll(planRepository({ root, displayBase: root }).plans).flatMap((f) => f.objects);
  const floorStart = performance.now();
  for (const o of objects) stringify(o, { lineWidth: 0 });
  process.stdout.write(JSON.stringify({ floorMs: performance.now() - floorStart, objects: objects.length }));
  process.exit(0);
}
const started = performance.now();
const code = await run(['synth', '--root', root, '--allow-removal'], { out: () => undefined, err: (t) => process.stderr.write(`${t}\n`), cwd: root });
const wallMs = performance.now() - started;
if (code !== 0) process.exit(code);

process.stdout.write(JSON.stringify({ wallMs, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
