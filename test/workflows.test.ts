/** The CI workflows parse with GitHub's own workflow parser, with no errors. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { describe, expect, it } from 'vitest';
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
  it('there are the pull-request and promotion workflows', () => {
    expect(files).toEqual(['promote.yml', 'pull-request.yml']);
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

  it('the pull-request workflow validates, tests, checks flux/ and posts the diff', () => {
    const text = readFileSync(join(DIR, 'pull-request.yml'), 'utf8');
    for (const command of [
      'npm ci',
      'npx tritonops validate',
      'npm test',
      'npx tritonops synth --check',
      'tritonops diff --base',
      'npx tritonops validate --base "$BASE_REF"',
    ])
      expect(text).toContain(command);
  });
});
