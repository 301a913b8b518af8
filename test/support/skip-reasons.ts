/**
 * A vitest reporter, beside the default one: lists every skipped test with its reason after the
 * run (the default reporter shows skipped tests only when one file runs), so that a clone without
 * `../shared` or without a tool says what it did not test, and why. Tests give the reason as
 * `ctx.skip(reason)` or in their name (`skipIf`). In tritonops' own CI (`CI` set, `../shared`
 * beside the clone) nothing may skip: the run fails, naming the tests.
 */
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

const SHARED_DIR = resolve(import.meta.dirname, '../../../shared');

export default class SkipReasons implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[]): void {
    const skipped: string[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state !== 'skipped' || test.options.mode === 'todo') continue;
        const file = relative(module.project.config.root, module.moduleId);
        skipped.push(`  ${file} > ${test.fullName}${result.note ? ` [${result.note}]` : ''}`);
      }
    }
    if (skipped.length === 0) return;
    const mustRun = Boolean(process.env.CI) && existsSync(SHARED_DIR);
    const heading = mustRun
      ? `${skipped.length} test(s) skipped, and CI must skip none (install what each names):`
      : `${skipped.length} test(s) skipped, and why:`;
    process.stdout.write(`\n${heading}\n${skipped.join('\n')}\n`);
    if (mustRun) process.exitCode = 1;
  }
}
