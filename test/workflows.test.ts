/**
 * The CI workflows parse with GitHub's own workflow parser, with no errors, and keep to the safe
 * patterns: read-only pull-request runs (forks included), a comment workflow that runs nothing
 * of the pull request's, inputs kept out of scripts, a promotion token that starts the checks.
 * That they run the same stages as .gitlab-ci.yml is test/gitlab-ci.test.ts's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from './support/workspace.ts';

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
    const token = '${{ steps.app.outputs.token || secrets.PROMOTION_TOKEN || github.token }}';
    expect(steps.find((s) => s.uses?.startsWith('actions/checkout@'))!.with!.token).toBe(token);
    const open = steps.at(-1)!;
    expect(open.env!.GH_TOKEN).toBe(token);
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
  jobs: Record<string, { permissions?: Record<string, string>; steps: Step[] }>;
}

function load(file: string): Workflow {
  return parseYaml(readFileSync(join(DIR, file), 'utf8')) as Workflow;
}

function stepsOf(file: string): Record<string, Step[]> {
  return Object.fromEntries(Object.entries(load(file).jobs).map(([name, job]) => [name, job.steps]));
}
