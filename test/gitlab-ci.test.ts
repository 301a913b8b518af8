/**
 * The GitLab pipeline, .gitlab-ci.yml, checked and run with gitlab-ci-local (a devDependency):
 *
 * - it passes GitLab's CI schema, and a broken file does not (so the check can fail);
 * - on every event — merge request, push to the default branch, promotion — it runs the same
 *   stages with the same commands as the GitHub workflows, job by job;
 * - its jobs run, in a repository started from the bundled examples: validate and synth-check
 *   pass (and synth-check fails on a stale flux/), the diff job posts one merge-request note and
 *   updates it in place (against a fake GitLab API), the promotion refuses an unknown environment.
 *
 * Jobs run with the shell executor (no container) and an `npm` stand-in that only accepts
 * `npm ci`: the repository's node_modules is linked in, and must never be reinstalled.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT, renderedBundledWorkspace, runCli, tempDir } from './support/workspace.ts';

const GCL = join(REPO_ROOT, 'node_modules/.bin/gitlab-ci-local');
const WORKFLOWS = join(REPO_ROOT, '.github/workflows');
const PIPELINE = join(REPO_ROOT, '.gitlab-ci.yml');

// A devDependency, so always there after `npm ci`, and rsync, which it runs jobs with (Debian's
// rsync; .ci/run installs it): CI fails without them, elsewhere the tests skip, saying why.
const unavailable = !existsSync(GCL)
  ? `${GCL} is missing: gitlab-ci-local is a devDependency of test/ (run npm ci)`
  : spawnSync('rsync', ['--version'], { stdio: 'ignore' }).status !== 0
    ? 'rsync is not installed (Debian package `rsync`), and gitlab-ci-local runs jobs with it'
    : undefined;
if (unavailable && process.env.CI) throw new Error(`${unavailable}, and CI must not skip the GitLab pipeline tests`);
if (unavailable) console.warn(`skipping the GitLab pipeline tests: ${unavailable}`);

/** The stages of a host on one event: job name -> the commands it runs, in order. */
type Stages = Record<string, string[]>;
type Event = 'merge request' | 'default-branch push' | 'promotion';

/** The tool's commands in a shell script: `npx tritonops …`, `npm ci`, `npm test`, as written. */
function commandsIn(script: string): string[] {
  return script
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => !line.startsWith('#'))
    .flatMap((line) => {
      const command = /(?:^|[;&|]\s*|\s)(npx tritonops\s.*|npm (?:ci|test)\b.*)$/.exec(line)?.[1];
      // `|| code=$?` keeps an exit code for the script to judge: not part of the command.
      return command ? [command.replace(/\s*\|\|\s*code=\$\?$/, '').trim()] : [];
    });
}

/** What the GitHub workflows run, per event; workflow_run workflows must run none of it. */
function githubStages(): Record<Event, Stages> & { workflowRun: Stages } {
  const result = { 'merge request': {}, 'default-branch push': {}, promotion: {}, workflowRun: {} } as Record<Event | 'workflowRun', Stages>;
  for (const file of readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f))) {
    const workflow = parse(readFileSync(join(WORKFLOWS, file), 'utf8')) as {
      on: Record<string, { branches?: string[] } | null>;
      jobs: Record<string, { steps: { run?: string }[] }>;
    };
    const events: (Event | 'workflowRun')[] = [];
    if ('pull_request' in workflow.on) events.push('merge request');
    if (workflow.on.push?.branches?.includes('main')) events.push('default-branch push');
    if ('workflow_dispatch' in workflow.on) events.push('promotion');
    if ('workflow_run' in workflow.on) events.push('workflowRun');
    for (const event of events)
      for (const [name, job] of Object.entries(workflow.jobs)) {
        expect(result[event][name], `${file}: job ${name} is defined twice for ${event}`).toBeUndefined();
        result[event][name] = job.steps.flatMap((s) => commandsIn(s.run ?? ''));
      }
  }
  return result;
}

const DIFF_TEXT = 'npx tritonops diff --base "$BASE" --format text > diff.txt';
const DIFF_MARKDOWN = 'npx tritonops diff --base "$BASE" --format markdown --max-length 60000 --full-diff-url "$URL" > diff.md';

/** The variables GitLab sets on each event (gitlab-ci-local defaults to a push pipeline). */
const EVENT_VARIABLES: Record<Event, string[]> = {
  'merge request': ['--variable', 'CI_PIPELINE_SOURCE=merge_request_event', '--unset-variable', 'CI_COMMIT_BRANCH'],
  'default-branch push': ['--variable', 'CI_PIPELINE_SOURCE=push'],
  promotion: ['--variable', 'CI_PIPELINE_SOURCE=web', '--variable', 'MODELS=--all', '--variable', 'FROM=dev', '--variable', 'TO=staging'],
};

interface Run {
  code: number;
  stdout: string;
  /** stdout and stderr. */
  output: string;
}

describe.skipIf(unavailable !== undefined)('the GitLab pipeline (.gitlab-ci.yml)', () => {
  let dir: { path: string; remove: () => void };
  // Beside the repository: the npm stand-in, gitlab-ci-local's home, its log.
  let aux: { path: string; remove: () => void };
  let repo: string;
  const npmLog = () => join(aux.path, 'npm.log');

  /** Runs gitlab-ci-local in `cwd`, isolated from the host's CI variables and its own config. */
  async function gcl(args: string[], cwd = repo): Promise<Run> {
    // Nx sets FORCE_COLOR for the tasks it runs (npm test), which outweighs --no-color: drop it too.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CI' && k !== 'FORCE_COLOR' && !/^(CI_|GITLAB_|GCL_|TRITONOPS_)/.test(k)));
    env.NO_COLOR = '1';
    env.PATH = `${join(aux.path, 'bin')}:${env.PATH}`;
    env.NPM_LOG = npmLog();
    try {
      const { stdout, stderr } = await promisify(execFile)(GCL, ['--home', join(aux.path, 'home'), '--no-color', ...args], {
        cwd,
        env,
        maxBuffer: 64 * 1024 * 1024,
      });
      return { code: 0, stdout, output: `${stdout}${stderr}` };
    } catch (e) {
      const error = e as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof error.code === 'number' ? error.code : -1, stdout: error.stdout ?? '', output: `${error.stdout ?? ''}${error.stderr ?? ''}` };
    }
  }

  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Team', '-c', 'user.email=team@example.com', '-c', 'commit.gpgsign=false', ...args], {
      cwd: repo,
      encoding: 'utf8',
    }).trim();

  beforeAll(async () => {
    // A repository of a team, started from the bundled examples with flux/ rendered, the
    // pipeline, and an origin remote (gitlab-ci-local derives the project from it).
    aux = tempDir('gitlab-ci-aux');
    dir = await renderedBundledWorkspace('gitlab-ci');
    repo = dir.path;
    copyFileSync(PIPELINE, join(repo, '.gitlab-ci.yml'));
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(repo, 'node_modules'), 'dir');
    writeFileSync(join(repo, '.gitignore'), 'node_modules\n.gitlab-ci-local/\n');
    mkdirSync(join(aux.path, 'bin'));
    writeFileSync(
      join(aux.path, 'bin/npm'),
      '#!/bin/sh\n# The jobs\' `npm ci`, recorded; the linked node_modules stays as it is.\necho "npm $*" >> "$NPM_LOG"\n[ "$1" = ci ] || { echo "npm stand-in: only npm ci" >&2; exit 1; }\n',
    );
    chmodSync(join(aux.path, 'bin/npm'), 0o755);
    git('init', '--quiet', '--initial-branch=main');
    git('add', '-A');
    git('commit', '--quiet', '-m', 'Start from the bundled examples');
    git('remote', 'add', 'origin', 'https://gitlab.example.com/platform/specs.git');
  }, 120_000);
  afterAll(() => {
    dir?.remove();
    aux?.remove();
  });

  it('passes GitLab CI schema validation; a broken pipeline does not', async () => {
    const preview = await gcl(['--preview']);
    expect(preview.code, preview.output).toBe(0);
    const expanded = parse(preview.stdout) as { stages: string[] };
    expect(expanded.stages).toEqual(['.pre', 'validate', 'test', 'synth-check', 'diff', 'promote', '.post']);

    const broken = join(aux.path, 'broken');
    mkdirSync(broken);
    execFileSync('git', ['init', '--quiet'], { cwd: broken });
    writeFileSync(join(broken, '.gitlab-ci.yml'), readFileSync(PIPELINE, 'utf8').replace('  stage: validate\n', '  stage: validate\n  when: sometimes\n'));
    const refused = await gcl(['--list'], broken);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/Invalid \.gitlab-ci\.yml configuration![\s\S]*validate\.when/);
  }, 60_000);

  it('runs the same stages with the same commands as the GitHub workflows, on every event', async () => {
    const preview = await gcl(['--preview']);
    const expanded = parse(preview.stdout) as Record<string, { before_script?: string[]; script?: string[] }>;
    const gitlab = {} as Record<Event, Stages>;
    for (const event of Object.keys(EVENT_VARIABLES) as Event[]) {
      const listed = await gcl(['--list-json', ...EVENT_VARIABLES[event]]);
      expect(listed.code, listed.output).toBe(0);
      // Warnings come first on stdout.
      const jobs = JSON.parse(listed.stdout.slice(listed.stdout.search(/^\[/m))) as { name: string; when: string }[];
      gitlab[event] = Object.fromEntries(
        jobs
          .filter((j) => j.when !== 'never')
          .map((j) => [j.name, [...(expanded[j.name]!.before_script ?? []), ...(expanded[j.name]!.script ?? [])].flatMap(commandsIn)]),
      );
    }
    const github = githubStages();
    // Spelled out once, so a stage added to, changed or dropped from one host fails here.
    expect(gitlab['merge request']).toEqual({
      validate: ['npm ci', 'npx tritonops validate', 'npx tritonops validate --s3 --base "$BASE"'],
      test: ['npm ci', 'npm test'],
      'synth-check': ['npm ci', 'npx tritonops synth --check'],
      diff: ['npm ci', DIFF_TEXT, DIFF_MARKDOWN, 'npx tritonops validate --base "$BASE"'],
    });
    expect(gitlab['default-branch push']).toEqual({
      validate: ['npm ci', 'npx tritonops validate', 'npx tritonops validate --s3 --base "$BASE"'],
      'synth-check': ['npm ci', 'npx tritonops synth --check'],
    });
    expect(gitlab.promotion).toEqual({ promote: ['npm ci', 'npx tritonops promote $MODELS --from "$FROM" --to "$TO" > promotion.md'] });
    for (const event of Object.keys(EVENT_VARIABLES) as Event[]) expect(github[event], `GitHub, ${event}`).toEqual(gitlab[event]);
    // The comment workflow runs nothing of the pull request's.
    expect(Object.values(github.workflowRun).flat()).toEqual([]);
  }, 120_000);

  it('runs the validate and synth-check jobs; synth-check fails on a stale flux/', async () => {
    rmSync(npmLog(), { force: true });
    const run = await gcl(['--force-shell-executor', 'validate', 'synth-check']);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/validate\s+> ok: 3 environment\(s\)/);
    expect(run.output).toMatch(/synth-check\s+> ok: flux\/ is up to date/);
    expect(readFileSync(npmLog(), 'utf8')).toBe('npm ci\nnpm ci\n');

    const rendered = git('ls-files', 'flux/models/dev').split('\n')[0]!;
    rmSync(join(repo, rendered));
    try {
      const stale = await gcl(['--force-shell-executor', 'synth-check']);
      expect(stale.code).not.toBe(0);
      expect(stale.output).toContain(rendered);
      expect(stale.output).toMatch(/FAIL\s+synth-check/);
    } finally {
      git('checkout', '--quiet', '--', rendered);
    }
  }, 120_000);

  it('the promotion job refuses an unknown environment (did-you-mean) and options other than --all', async () => {
    const promotion = ['--force-shell-executor', 'promote', '--variable', 'CI_PIPELINE_SOURCE=web', '--variable', 'TO=staging'];
    const typo = await gcl([...promotion, '--variable', 'MODELS=--all', '--variable', 'FROM=devv']);
    expect(typo.code).not.toBe(0);
    expect(typo.output).toContain('unknown environment "devv"');
    expect(typo.output).toContain('did you mean "dev"?');
    const option = await gcl([...promotion, '--variable', 'MODELS=whisper --root /tmp', '--variable', 'FROM=dev']);
    expect(option.code).not.toBe(0);
    expect(option.output).toContain("MODELS takes model names or --all, not '--root'");
    // Nothing promoted, committed or pushed.
    expect(git('rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
    expect(git('status', '--porcelain', 'environments', 'flux')).toBe('');
    expect(git('rev-list', '--count', 'HEAD')).toBe('1');
    rmSync(join(repo, 'promotion.md'), { force: true });
  }, 120_000);

  it('the diff job posts one merge-request note and then updates it in place', async () => {
    const gitlab = await fakeGitLab('glpat-test');
    try {
      const base = git('rev-parse', 'HEAD');
      expect((await runCli(['new', 'model', 'bert', '--env', 'dev', '--pool', 't4'], repo)).code).toBe(0);
      expect((await runCli(['synth'], repo)).code).toBe(0);
      const job = [
        '--force-shell-executor',
        'diff',
        ...EVENT_VARIABLES['merge request'],
        ...['--variable', `CI_API_V4_URL=${gitlab.url}/api/v4`, '--variable', 'CI_MERGE_REQUEST_IID=7'],
        ...['--variable', `CI_MERGE_REQUEST_DIFF_BASE_SHA=${base}`, '--variable', 'CI_JOB_URL=https://gitlab.example.com/platform/specs/-/jobs/1'],
        ...['--variable', 'TRITONOPS_GITLAB_TOKEN=glpat-test'],
      ];
      const first = await gcl(job);
      expect(first.code, first.output).toBe(0);
      const posted = gitlab.notes.filter((n) => n.author.id === BOT);
      expect(posted).toHaveLength(1);
      expect(posted[0]!.body.startsWith('<!-- tritonops-diff -->\n')).toBe(true);
      expect(posted[0]!.body).toBe(`<!-- tritonops-diff -->\n${readFileSync(join(repo, 'diff.md'), 'utf8')}`);
      expect(posted[0]!.body).toContain('bert');
      expect(readFileSync(join(repo, 'diff.txt'), 'utf8')).toContain('bert');

      const second = await gcl(job);
      expect(second.code, second.output).toBe(0);
      expect(gitlab.notes.filter((n) => n.author.id === BOT).map((n) => n.id)).toEqual([posted[0]!.id]);
      expect(gitlab.requests.filter((r) => !r.startsWith('GET'))).toEqual([`POST ${NOTES}`, `PUT ${NOTES}/${posted[0]!.id}`]);
      // The other user's note that quotes the marker is left alone.
      expect(gitlab.notes.find((n) => n.id === QUOTING)!.body).toBe('<!-- tritonops-diff -->\nquoted');
    } finally {
      await gitlab.close();
      git('reset', '--quiet', '--hard');
      git('clean', '--quiet', '-fd');
    }
  }, 180_000);
});

const BOT = 42;
const QUOTING = 130;
const NOTES = '/api/v4/projects/1217/merge_requests/7/notes';

interface Note {
  id: number;
  body: string;
  author: { id: number };
}

/**
 * The part of GitLab's REST API the diff job uses: the token's user, and a merge request's notes
 * (paginated; 150 from others, one of them quoting the marker).
 */
async function fakeGitLab(token: string): Promise<{ url: string; notes: Note[]; requests: string[]; close: () => Promise<void> }> {
  const notes: Note[] = Array.from({ length: 150 }, (_, i) => ({ id: i + 1, body: `comment ${i + 1}`, author: { id: 7 } }));
  notes[QUOTING - 1]!.body = '<!-- tritonops-diff -->\nquoted';
  const requests: string[] = [];
  const body = async (req: IncomingMessage) => {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    return JSON.parse(text) as { body: string };
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url!, 'http://localhost');
      requests.push(`${req.method} ${url.pathname}`);
      const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
        res.end(JSON.stringify(data));
      };
      if (req.headers['private-token'] !== token) return send(401, { message: '401 Unauthorized' });
      if (req.method === 'GET' && url.pathname === '/api/v4/user') return send(200, { id: BOT, username: 'project_1217_bot' });
      if (req.method === 'GET' && url.pathname === NOTES) {
        const page = Number(url.searchParams.get('page') ?? 1);
        const perPage = Number(url.searchParams.get('per_page') ?? 20);
        const more = page * perPage < notes.length;
        return send(200, notes.slice((page - 1) * perPage, page * perPage), { 'X-Next-Page': more ? String(page + 1) : '' });
      }
      if (req.method === 'POST' && url.pathname === NOTES) {
        const note = { id: notes.length + 1, body: (await body(req)).body, author: { id: BOT } };
        notes.push(note);
        return send(201, note);
      }
      const put = new RegExp(`^${NOTES}/(\\d+)$`).exec(url.pathname);
      const note = put && notes.find((n) => n.id === Number(put[1]));
      if (req.method === 'PUT' && note) {
        if (note.author.id !== BOT) return send(403, { message: '403 Forbidden' });
        note.body = (await body(req)).body;
        return send(200, note);
      }
      send(404, { message: '404 Not found' });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, notes, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
