/**
 * The CI workflows parse with GitHub's own workflow parser, with no errors, and keep to the safe
 * patterns: read-only pull-request runs (forks included), a comment workflow that runs nothing
 * of the pull request's, inputs kept out of scripts, a promotion token that starts the checks.
 * That they run the same stages as .gitlab-ci.yml is test/gitlab-ci.test.ts's.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT, tempDir } from './support/workspace.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

const DIR = join(REPO_ROOT, '.github/workflows');
const files = readdirSync(DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();

async function parse(name: string, content: string) {
  const result = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const template = await convertWorkflowTemplate(result.context, result.value!);
  const messages = [
    ...result.context.errors.getErrors().map((e) => e.message),
    ...(template.errors ?? []).map((e) => ('Message' in e ? e.Message : String(e))),
  ];
  return { errors: messages, template };
}

describe('GitHub workflows', () => {
  it('there are the pull-request, comment, main and promotion workflows', () => {
    expect(files).toEqual(['main.yml', 'promote.yml', 'pull-request-comment.yml', 'pull-request.yml']);
  });

  it.each(files)('%s parses without errors', async (file) => {
    const { errors, template } = await parse(file, readFileSync(join(DIR, file), 'utf8'));
    expect(errors).toEqual([]);
    expect(template.jobs.length).toBeGreaterThan(0);
  });

  it('the parser does report a broken workflow (so the checks above can fail)', async () => {
    const { errors } = await parse(
      'broken.yml',
      'on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo\n        uses: actions/checkout@v4\n',
    );
    expect(errors.length).toBeGreaterThan(0);
  });

  it('no script pastes an expression: inputs and event data reach the shell through env', () => {
    for (const file of files)
      for (const [job, steps] of Object.entries(stepsOf(file))) for (const step of steps) expect(step.run ?? '', `${file}: ${job}`).not.toContain('${{');
  });

  it('pull requests run with a read-only token and hand the comment over as an artifact', () => {
    const workflow = load('pull-request.yml');
    expect(Object.keys(workflow.on)).toEqual(['pull_request']);
    expect(workflow.permissions).toEqual({ contents: 'read' });
    for (const job of Object.values(workflow.jobs)) expect(job.permissions).toBeUndefined();
    const diff = workflow.jobs.diff!.steps;
    const uploads = diff.filter((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(uploads.map((s) => s.with)).toEqual([
      { name: 'tritonops-diff', path: 'diff.txt', 'retention-days': 30 },
      { name: 'tritonops-diff-comment', path: 'comment/', 'retention-days': 5 },
    ]);
    // The link in the comment is the full diff's artifact, uploaded before the comment is made.
    const comment = diff.find((s) => s.run?.includes('--format markdown'))!;
    expect(comment.env).toMatchObject({ URL: '${{ steps.full.outputs.artifact-url }}' });
    expect(diff.indexOf(uploads[0]!)).toBeLessThan(diff.indexOf(comment));
    expect(diff.at(-1)!.run).toBe('npx tritonops validate --base "$BASE"');
    // The base is the commit the pull request targets, never a name a tag could borrow.
    expect((workflow.jobs.diff as { env?: Record<string, string> }).env).toEqual({ BASE: '${{ github.event.pull_request.base.sha }}' });
  });

  it('the comment workflow never checks out or runs the pull request, and checks what the artifact says', () => {
    const workflow = load('pull-request-comment.yml');
    expect(workflow.on).toEqual({ workflow_run: { workflows: ['pull-request'], types: ['completed'] } });
    expect(workflow.permissions).toEqual({});
    const job = workflow.jobs.comment!;
    expect(job.permissions).toEqual({ actions: 'read', 'pull-requests': 'write' });
    expect(job.steps.map((s) => s.uses?.replace(/@.*/, ''))).toEqual(['actions/download-artifact', 'actions/github-script']);
    expect(job.steps.every((s) => s.run === undefined)).toBe(true);
    const script = String(job.steps[1]!.with!.script);
    expect(script).toMatch(/\^\[1-9\]\[0-9\]\{0,9\}\$/); // the PR number is a number
    expect(script).toContain('pr.head.sha !== process.env.HEAD_SHA'); // of the pull request that ran
    expect(script).toContain("c.user?.login === 'github-actions[bot]' && c.body?.startsWith(marker)");
  });

  it('the comment says, from trusted code, when the pull request changes more than specs; an oversized one is replaced, not cut', async () => {
    const script = String(load('pull-request-comment.yml').jobs.comment!.steps[1]!.with!.script);
    const dir = tempDir('comment-artifact');
    cleanups.push(dir.remove);
    writeFileSync(join(dir.path, 'pr-number'), '7\n');
    const post = async (diff: string, files: { filename: string; previous_filename?: string }[]) => {
      writeFileSync(join(dir.path, 'diff.md'), diff);
      const posted: string[] = [];
      const github = {
        rest: {
          pulls: { get: async () => ({ data: { head: { sha: 'abc' } } }), listFiles: 'listFiles' },
          issues: { listComments: 'listComments', createComment: async ({ body }: { body: string }) => posted.push(body), updateComment: async () => {} },
        },
        paginate: async (what: string) => (what === 'listFiles' ? files : []),
      };
      const context = { repo: { owner: 'o', repo: 'r' }, payload: { workflow_run: { html_url: 'https://github.com/o/r/actions/runs/1' } } };
      const core = { warning: () => {} };
      const run = new Function('require', 'github', 'context', 'core', 'process', `return (async () => {${script}})();`);
      await run(createRequire(import.meta.url), github, context, core, { env: { DIR: dir.path, HEAD_SHA: 'abc' } });
      expect(posted).toHaveLength(1);
      return posted[0]!;
    };
    const specsOnly = await post('## tritonops diff\n', [
      { filename: 'environments/dev/models/bert.yaml' },
      { filename: 'flux/models/dev/models/bert/bert.yaml' },
    ]);
    expect(specsOnly).toBe('<!-- tritonops-diff -->\n## tritonops diff\n');
    const tooling = await post('## tritonops diff\n', [
      { filename: 'environments/dev/models/bert.yaml' },
      { filename: 'packages/planner/src/check/promotion-gate.ts' },
    ]);
    expect(tooling).toMatch(/^<!-- tritonops-diff -->\n> \[!CAUTION\]\n> This pull request changes 1 file\(s\) outside/);
    const renamed = await post('x', [{ filename: 'environments/dev/a.yaml', previous_filename: '.github/workflows/promote.yml' }]);
    expect(renamed).toContain('[!CAUTION]');
    const huge = await post(`## tritonops diff\n${'x'.repeat(70_000)}`, [{ filename: 'environments/dev/a.yaml' }]);
    expect(huge.length).toBeLessThan(1000);
    expect(huge).toContain('https://github.com/o/r/actions/runs/1');
  });

  it.each(['pull-request.yml', 'main.yml'])('%s checks releases in S3 only where credentials are set, handing them to that step alone', (file) => {
    const workflow = load(file);
    const validate = workflow.jobs.validate! as { env?: Record<string, string>; steps: Step[] };
    // The job knows whether the secret is set, not its value: `if` cannot read secrets. The base is a
    // commit (the pull request's target, or main before the push): it says which specs changed and
    // which endpoints are merged (only those receive the credentials).
    expect(validate.env).toEqual({
      HAS_S3_CREDENTIALS: "${{ secrets.TRITONOPS_S3_ACCESS_KEY_ID != '' }}",
      BASE: file === 'main.yml' ? '${{ github.event.before }}' : '${{ github.event.pull_request.base.sha }}',
    });
    const s3 = validate.steps.filter((s) => s.run?.includes('--s3'));
    expect(s3.map((s) => [s.run, s.if, s.env])).toEqual([
      [
        'npx tritonops validate --s3 --base "$BASE"',
        "env.HAS_S3_CREDENTIALS == 'true'",
        { AWS_ACCESS_KEY_ID: '${{ secrets.TRITONOPS_S3_ACCESS_KEY_ID }}', AWS_SECRET_ACCESS_KEY: '${{ secrets.TRITONOPS_S3_SECRET_ACCESS_KEY }}' },
      ],
    ]);
    const others = Object.values(workflow.jobs).flatMap((job) => job.steps.filter((s) => !s.run?.includes('--s3')));
    expect(JSON.stringify(others)).not.toContain('TRITONOPS_S3_');
  });

  it('pushes to main validate and check flux/', () => {
    const workflow = load('main.yml');
    expect(workflow.on).toEqual({ push: { branches: ['main'] } });
    expect(workflow.permissions).toEqual({ contents: 'read' });
  });

  it('the promotion takes environments as text (tritonops checks them) and opens the PR with a token that starts the checks', () => {
    const workflow = load('promote.yml');
    const inputs = (workflow.on.workflow_dispatch as { inputs: Record<string, { type: string; options?: unknown }> }).inputs;
    expect(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.type]))).toEqual({ models: 'string', from: 'string', to: 'string' });
    expect(workflow.permissions).toEqual({});
    const steps = workflow.jobs.promote!.steps;
    const app = steps.find((s) => s.uses?.startsWith('actions/create-github-app-token@'))!;
    expect(app.if).toBe("vars.PROMOTION_APP_ID != ''");
    // The App token may do what a promotion needs, nothing else.
    expect(app.with).toMatchObject({ 'permission-contents': 'write', 'permission-pull-requests': 'write' });
    // Its secrets are the `promotion` environment's, released only to runs from main (docs/ci.md).
    expect(workflow.jobs.promote!.environment).toBe('promotion');
    const token = '${{ steps.app.outputs.token || secrets.PROMOTION_TOKEN || github.token }}';
    // npm ci and tritonops run with no credential in .git/config; the token serves the push only.
    const checkout = steps.find((s) => s.uses?.startsWith('actions/checkout@'))!;
    expect(checkout.with).toMatchObject({ 'persist-credentials': false });
    expect(checkout.with!.token).toBeUndefined();
    const open = steps.at(-1)!;
    expect(open.env!.GH_TOKEN).toBe(token);
    expect(open.run).toMatch(/git -c "http\.https:\/\/github\.com\/\.extraheader=AUTHORIZATION: basic \$basic" push origin "\$branch"/);
    // The fallback says, visibly, that the pull request will get no checks.
    expect(open.run).toMatch(/if \[ "\$TOKEN_KIND" = github \]; then\n\s+echo "::warning title=No checks will run/);
  });
});

interface Step {
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, { permissions?: Record<string, string>; environment?: string; steps: Step[] }>;
}

function load(file: string): Workflow {
  return parseYaml(readFileSync(join(DIR, file), 'utf8')) as Workflow;
}

function stepsOf(file: string): Record<string, Step[]> {
  return Object.fromEntries(Object.entries(load(file).jobs).map(([name, job]) => [name, job.steps]));
}
