/**
 * Prometheus' own engine in the tests: `promtool test rules` (Debian's `prometheus` package)
 * evaluates expressions and alerting rules over input series. Tests skip, saying why, where it is
 * missing — and fail instead in CI, which installs it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** The promtool to run: `PROMTOOL` names another binary (the tests' skip path is tried with it). */
const PROMTOOL = process.env.PROMTOOL ?? 'promtool';

export function promtoolUnavailable(): string | undefined {
  try {
    execFileSync(PROMTOOL, ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    const why = `${PROMTOOL} is not installed (Debian package \`prometheus\`; .ci/run installs it)`;
    if (process.env.CI) throw new Error(`${why}, and CI must not skip these tests`);
    return why;
  }
}

export interface ExprTest {
  readonly expr: string;
  readonly evalTime: string;
  readonly expSamples: readonly { labels: string; value: number }[];
}

export interface AlertTest {
  readonly alertname: string;
  readonly evalTime: string;
  readonly expAlerts: readonly { expLabels: Record<string, string> }[];
}

export interface RuleTestFile {
  readonly ruleGroups: readonly unknown[];
  readonly interval: string;
  readonly inputSeries: readonly { series: string; values: string }[];
  readonly exprTests: readonly ExprTest[];
  readonly alertTests: readonly AlertTest[];
}

export interface PromtoolResult {
  readonly ok: boolean;
  readonly output: string;
}

/** Runs one `promtool test rules` file; its output names each failed expression or alert. */
export function promtoolTest(file: RuleTestFile): PromtoolResult {
  const dir = mkdtempSync(join(tmpdir(), 'tritonops-promtool-'));
  try {
    writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: file.ruleGroups }));
    const test = {
      rule_files: ['rules.yaml'],
      evaluation_interval: file.interval,
      tests: [
        {
          interval: file.interval,
          input_series: file.inputSeries,
          promql_expr_test: file.exprTests.map((t) => ({
            expr: t.expr,
            eval_time: t.evalTime,
            exp_samples: t.expSamples.map((s) => ({ labels: s.labels, value: s.value })),
          })),
          alert_rule_test: file.alertTests.map((t) => ({
            alertname: t.alertname,
            eval_time: t.evalTime,
            exp_alerts: t.expAlerts.map((a) => ({ exp_labels: a.expLabels })),
          })),
        },
      ],
    };
    writeFileSync(join(dir, 'test.yaml'), stringify(test, { lineWidth: 0 }));
    const run = spawnSync(PROMTOOL, ['test', 'rules', 'test.yaml'], { cwd: dir, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `promtool check rules` on rule groups: syntax, and templates of annotations that expand. */
export function promtoolCheckRules(ruleGroups: readonly unknown[]): PromtoolResult {
  const dir = mkdtempSync(join(tmpdir(), 'tritonops-promtool-'));
  try {
    writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: ruleGroups }));
    const run = spawnSync(PROMTOOL, ['check', 'rules', 'rules.yaml'], { cwd: dir, encoding: 'utf8' });
    return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
