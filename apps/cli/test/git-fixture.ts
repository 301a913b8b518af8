/** Throw-away Git repositories started from the bundled examples, for the tests of `diff` against a base. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { copyOfEnvironments } from './support.ts';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.invalid',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.invalid',
};

export const git = (root: string, ...args: string[]): string => execFileSync('git', args, { cwd: root, env: GIT_ENV, encoding: 'utf8' });

/** A repository on `main` whose first commit holds the bundled environments (cleaned up by support's `cleanup`). */
export function bundledRepository(prefix: string): string {
  const root = copyOfEnvironments(prefix);
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'add', '.');
  git(root, 'commit', '-q', '-m', 'the bundled examples');
  return root;
}

/** Replaces `from` (which must be there) with `to` in a file of the repository. */
export function edit(root: string, path: string, from: string, to: string): void {
  const file = join(root, path);
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
}

/** Commits every change of the working tree. */
export function commit(root: string, message: string): void {
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', message);
}

/**
 * A CPU model spec that validates in any bundled environment; `override` is the reason given to
 * the promotion gate where it is added to an environment and its source in one change.
 */
export function cpuModel(name: string, override?: string): string {
  return [
    'apiVersion: tritonops.dev/v1alpha1',
    'kind: Model',
    'metadata:',
    `  name: ${name}`,
    ...(override ? ['  annotations:', `    tritonops.dev/promotion-override: ${JSON.stringify(override)}`] : []),
    'spec:',
    '  image: nvcr.io/nvidia/tritonserver:24.10-py3',
    `  repository: s3://models/${name}/v1`,
    '  resources: { cpu: "1", memory: 2Gi, shm: 256Mi }',
    '',
  ].join('\n');
}

/** The lines of a Markdown text outside fenced code blocks, with their index; whether a fence is left open at the end. */
function outsideFences(markdown: string): { lines: [number, string][]; openFence: boolean } {
  const lines: [number, string][] = [];
  let fence: string | undefined;
  for (const [i, line] of markdown.split('\n').entries()) {
    const opener = /^(`{3,})/.exec(line)?.[1];
    if (fence !== undefined) {
      if (opener !== undefined && opener.length >= fence.length && line.trim() === opener) fence = undefined;
    } else if (opener !== undefined) fence = opener;
    else lines.push([i, line]);
  }
  return { lines, openFence: fence !== undefined };
}

/**
 * Where a Markdown text is not well formed for a comment: a code fence left open, `<details>`
 * unbalanced (outside code); undefined when it is.
 */
export function markdownStructureProblem(markdown: string): string | undefined {
  const { lines, openFence } = outsideFences(markdown);
  let depth = 0;
  for (const [i, line] of lines) {
    depth += (line.match(/<details>/g) ?? []).length - (line.match(/<\/details>/g) ?? []).length;
    if (depth < 0) return `line ${i + 1}: </details> closes nothing`;
  }
  if (openFence) return 'a code fence is left open';
  return depth === 0 ? undefined : `${depth} <details> left open`;
}

/** The Markdown with code (fenced blocks, code spans, <code> elements) taken out: what is read as markup. */
export function outsideCode(markdown: string): string {
  return outsideFences(markdown)
    .lines.map(([, line]) => line.replace(/(`+)[\s\S]*?\1/g, '').replace(/<code>[\s\S]*?<\/code>/g, ''))
    .join('\n');
}
