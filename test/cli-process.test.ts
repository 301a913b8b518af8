/** The real binary, as users and CI run it: exit codes, streams, no stack traces. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED, REPO_ROOT } from './support/workspace.ts';

const BIN = join(REPO_ROOT, 'apps/cli/bin/tritonops.mjs');
/** Run in the fixture copy of the bundled environments unless told otherwise, never in the team's environments/. */
const tritonops = (args: string[], cwd = BUNDLED) => spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });

describe('the tritonops binary', () => {
  it('validates the bundled environments with exit code 0', () => {
    const r = tritonops(['validate']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ok: 3 environment\(s\), \d+ model\(s\) valid/);
  });

  it('exits 1 with positioned errors and no stack trace on bad specs', () => {
    const r = tritonops(['validate'], join(REPO_ROOT, 'test/fixtures/bad-input/typo-key'));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('environments/dev/models/whisper.yaml:9:3: error: unknown key "replica" in spec');
    expect(r.stderr).not.toMatch(/\bat .+:\d+:\d+\)?$/m);
  });

  it('exits 2 on an unknown command, with a did-you-mean', () => {
    const r = tritonops(['synt']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('error: unknown command "synt"');
    expect(r.stderr).toContain('did you mean "synth"?');
  });

  it('exits 2 on an unknown environment and an unknown flag', () => {
    const env = tritonops(['validate', '--env', 'prod']);
    expect(env.status).toBe(2);
    expect(env.stderr).toContain('did you mean "production"?');
    const flag = tritonops(['synth', '--chek']);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toContain("Unknown option '--chek'");
  });

  it('prints help for every verb', () => {
    for (const verb of ['validate', 'synth', 'help']) {
      const r = tritonops([verb, '--help']);
      expect(r.status, verb).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: tritonops ${verb}`));
    }
    const main = tritonops(['--help']);
    expect(main.status).toBe(0);
    expect(main.stdout).toContain('Exit codes:');
  });
});
