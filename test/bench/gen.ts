/**
 * Writes a synthetic fleet for profiling by hand:
 *   npx tsx test/bench/gen.ts /tmp/fleet 1000 && cd /tmp/fleet && node --cpu-prof <repo>/apps/cli/bin/tritonops.mjs synth
 */
import { writeFleet } from '../support/fleet.ts';

const [dir, models] = process.argv.slice(2);
if (!dir || !models) {
  console.error('usage: tsx test/bench/gen.ts <dir> <models per environment>');
  process.exit(2);
}
writeFleet(dir, Number(models));
