/**
 * One measurement, in a fresh process so that peak RSS is this run's own: a full `synth` of the
 * fleet under ROOT, then the floor (the same objects serialized by `yaml` alone), as JSON.
 */
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { renderAll } from '@tritonops/charts';
import { run } from '@tritonops/cli';
import { loadWorkspace } from '@tritonops/spec';

const root = process.env.ROOT!;
const started = performance.now();
const code = await run(['synth', '--root', root, '--allow-removal'], { out: () => undefined, err: (t) => process.stderr.write(`${t}\n`), cwd: root });
const wallMs = performance.now() - started;
if (code !== 0) process.exit(code);

// The floor, on the same objects: what serializing them costs with nothing else around it.
const objects = renderAll(loadWorkspace({ root, displayBase: root }).plans).flatMap((f) => f.objects);
const floorStart = performance.now();
for (const o of objects) stringify(o, { lineWidth: 0 });
const floorMs = performance.now() - floorStart;

process.stdout.write(JSON.stringify({ wallMs, floorMs, objects: objects.length, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
