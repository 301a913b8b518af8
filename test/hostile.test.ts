/**
 * The hostile-input corpus: what an attacker (or a careless user) can put in a pull request, one
 * test per class of attack, each on a rendered and committed copy of test/fixtures/hostile with a
 * folder beside it. Every case asserts the exit code and the located message, and — through
 * `expectNothingLostOrLeaked` — that flux/ and everything outside the repository are unchanged,
 * that nothing outside was printed (nor this process's environment), and that the output carries
 * no control character and nothing a CI runner would execute.
 *
 * The classes (docs/security.md lists them with these tests): reading outside the repository;
 * secrets smuggled into the cluster; the integrity check fooled; credentials that pass the scan;
 * injection into what reviewers and terminals read; integrity under faults (fault.test.ts has the
 * ones that need a read-only or full file system); output the cluster rejects or misroutes.
 */
import { createHash } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { expectNothingLostOrLeaked, git, perTest, runCli, snapshots, type Hostile } from './support/hostile.ts';

const M = 'environments/dev/models/whisper.yaml';
const E = 'environments/dev/environment.yaml';

const { repository } = perTest();

const read = (h: Hostile, rel: string) => readFileSync(join(h.root, rel), 'utf8');
const write = (h: Hostile, rel: string, text: string) => writeFileSync(join(h.root, rel), text);
const replace = (h: Hostile, rel: string, from: string | RegExp, to: string) => {
  const text = read(h, rel);
  const next = text.replace(from, () => to);
  expect(next, `${rel} should contain ${String(from)}`).not.toBe(text);
  write(h, rel, next);
};

interface Case {
  /** Prepares the attack on the repository. */
  readonly setup: (h: Hostile) => void;
  readonly command?: readonly string[];
  readonly code: number;
  /** The first line of the expected error (exact), or a pattern it matches. */
  readonly error: string | RegExp;
  /** Something the message's hint or note must contain. */
  readonly also?: string;
}

async function attack(c: Case): Promise<string> {
  const h = await repository();
  c.setup(h);
  const before = snapshots(h);
  const result = await runCli([...(c.command ?? ['synth'])], h.root);
  expect(result.code, result.stderr).toBe(c.code);
  const lines = result.stderr.split('\n');
  if (typeof c.error === 'string') expect(lines).toContain(c.error);
  else
    expect(
      lines.some((l) => (c.error as RegExp).test(l)),
      result.stderr,
    ).toBe(true);
  if (c.also) expect(result.stderr).toContain(c.also);
  expectNothingLostOrLeaked(h, before, result);
  return result.stderr;
}

const link = (h: Hostile, target: string, rel: string) => {
  rmSync(join(h.root, rel), { recursive: true, force: true });
  mkdirSync(dirname(join(h.root, rel)), { recursive: true });
  symlinkSync(target, join(h.root, rel));
};

describe('reading outside the repository, and printing it', () => {
  const cases: Record<string, Case> = {
    'environment.yaml linked to /proc/self/environ': {
      setup: (h) => link(h, '/proc/self/environ', E),
      code: 1,
      error: `${E}:1:1: error: this is a symbolic link; tritonops reads only regular files and folders inside the repository`,
    },
    'environment.yaml linked to a file outside': {
      setup: (h) => link(h, join(h.outside, 'environment.yaml'), E),
      code: 1,
      error: `${E}:1:1: error: this is a symbolic link; tritonops reads only regular files and folders inside the repository`,
    },
    'pipelines/ linked to a folder outside': {
      setup: (h) => symlinkSync(join(h.outside, 'specs'), join(h.root, 'environments/dev/pipelines')),
      code: 1,
      error: 'environments/dev/pipelines:1:1: error: this is a symbolic link; tritonops reads only regular files and folders inside the repository',
    },
    'models/ linked to a folder outside': {
      setup: (h) => link(h, join(h.outside, 'specs'), 'environments/dev/models'),
      code: 1,
      error: /^environments\/dev\/models:1:1: error: this is a symbolic link/,
    },
    'environments/ linked to a folder outside': {
      setup: (h) => link(h, h.outside, 'environments'),
      code: 1,
      error: /^environments:1:1: error: this is a symbolic link/,
    },
    'an environment folder linked to a folder outside': {
      setup: (h) => link(h, h.outside, 'environments/staging'),
      code: 1,
      error: /^environments\/staging:1:1: error: this is a symbolic link/,
    },
    'a model spec linked to a file outside': {
      setup: (h) => symlinkSync(join(h.outside, 'secret.txt'), join(h.root, 'environments/dev/models/leak.yaml')),
      code: 1,
      error: /^environments\/dev\/models\/leak\.yaml:1:1: error: this is a symbolic link/,
    },
    // Inside the repository, but still a link: refused out loud, never ignored (ignoring it would drop the model's output, and Flux would delete it).
    'a model spec linked to another spec of the repository': {
      setup: (h) => link(h, '../../staging/models/whisper.yaml', M),
      code: 1,
      error: `${M}:1:1: error: this is a symbolic link; tritonops reads only regular files and folders inside the repository`,
    },
    'flux/ holding a link to a file outside': {
      setup: (h) => symlinkSync(join(h.outside, 'secret.txt'), join(h.root, 'flux/models/dev/models/leak.yaml')),
      code: 1,
      error: 'flux/models/dev/models/leak.yaml: error: this is a symbolic link; tritonops does not follow links',
    },
    "an environment's flux/ folder linked to a folder outside (synth would write there)": {
      setup: (h) => link(h, join(h.outside, 'specs'), 'flux/models/dev'),
      code: 1,
      error: 'flux/models/dev: error: this is a symbolic link; tritonops does not follow links',
    },
    'the workspace cache linked to a folder outside': {
      setup: (h) => link(h, h.outside, '.git/tritonops-cache'),
      code: 1,
      error: '.git/tritonops-cache: error: this is a symbolic link; tritonops does not follow links',
    },
    'the lock file linked to a file outside': {
      setup: (h) => symlinkSync(join(h.outside, 'secret.txt'), join(h.root, '.tritonops-lock')),
      code: 1,
      error: '.tritonops-lock: error: this is a symbolic link; tritonops does not follow links',
    },
    'a staging folder whose journal names a folder outside flux/': {
      setup: (h) => {
        mkdirSync(join(h.root, '.tritonops-tmp-999999/previous/0'), { recursive: true });
        writeFileSync(join(h.root, '.tritonops-tmp-999999/swap.json'), JSON.stringify({ roots: ['../outside'], existed: [true] }));
      },
      code: 1,
      error: '.tritonops-tmp-999999/swap.json: error: this is not the journal of a swap tritonops started: it names folders outside flux/',
    },
    'a FIFO where a spec file belongs (reading it would hang)': {
      setup: (h) => execFileSync('mkfifo', [join(h.root, 'environments/dev/models/stuck.yaml')]),
      code: 1,
      error: 'environments/dev/models/stuck.yaml:1:1: error: this is not a regular file (a device, socket or FIFO)',
    },
    'a hard link to a file outside (a second name of it)': {
      setup: (h) => linkSync(join(h.outside, 'environment.yaml'), join(h.root, 'environments/dev/models/zz.yaml')),
      code: 1,
      error:
        'environments/dev/models/zz.yaml:1:1: error: this file has 2 names (hard links); tritonops reads only files with one, which cannot be a file outside the repository',
    },
    'a folder named like a spec file': {
      setup: (h) => mkdirSync(join(h.root, 'environments/dev/models/bert.yaml')),
      code: 1,
      error: 'environments/dev/models/bert.yaml:1:1: error: this is a folder, where a spec file belongs',
    },
    'a 2 GiB spec file (its size is checked before a byte is read)': {
      setup: (h) => {
        writeFileSync(join(h.root, 'environments/dev/models/huge.yaml'), '');
        truncateSync(join(h.root, 'environments/dev/models/huge.yaml'), 2 ** 31);
      },
      code: 1,
      error: 'environments/dev/models/huge.yaml:1:1: error: the file is 2048.0 MiB; a spec file is at most 1.0 MiB',
    },
  };
  it.each(Object.entries(cases))('%s', async (_name, c) => {
    await attack(c);
  });

  it('never writes through a link planted where `new` creates a spec', async () => {
    const stderr = await attack({
      setup: (h) => symlinkSync(join(h.outside, 'planted.yaml'), join(h.root, 'environments/dev/models/bert.yaml')),
      command: ['new', 'model', 'bert', '--env', 'dev'],
      code: 1,
      error: 'environments/dev/models/bert.yaml:1:1: error: this is a symbolic link; tritonops reads only regular files and folders inside the repository',
    });
    expect(stderr).not.toContain('wrote');
  });

  it('never edits a model spec through a link (canary weight)', async () => {
    await attack({
      setup: (h) => {
        writeFileSync(join(h.outside, 'whisper.yaml'), read(h, M).replace('spec:', 'spec:\n  canary: { repository: s3://models/whisper/next, weight: 5 }'));
        link(h, join(h.outside, 'whisper.yaml'), M);
      },
      command: ['canary', 'weight', 'whisper', '50', '--env', 'dev'],
      code: 1,
      error: `${M}: error: this is a symbolic link; tritonops does not follow links`,
    });
  });

  it('shows folder and file names that carry ESC and CR escaped, and reads none of them', async () => {
    const stderr = await attack({
      setup: (h) => {
        mkdirSync(join(h.root, 'environments/dev\u001b[2J'), { recursive: true });
        writeFileSync(join(h.root, 'environments/dev/models/a\r\u001b[31m.YAML'), 'x: 1\n');
      },
      command: ['validate'],
      code: 1,
      error: 'environments/dev\\u001B[2J:1:1: error: "dev\\u001B[2J" is not a valid environment name, so this folder is not read',
      also: 'U+001B ESCAPE',
    });
    expect(stderr).toContain('environments/dev/models/a\\u000D\\u001B[31m.YAML:1:1: error: this file is not read: model specs end in ".yaml"');
  });

  it('never prints a spec-looking file outside the repository in a code frame, whatever the command', async () => {
    const h = await repository();
    link(h, join(h.outside, 'environment.yaml'), E);
    symlinkSync(join(h.outside, 'specs'), join(h.root, 'environments/staging/pipelines'));
    for (const command of [
      ['validate'],
      ['synth'],
      ['synth', '--check'],
      ['capacity'],
      ['graph', 'x', '--env', 'dev'],
      ['promote', 'whisper', '--from', 'dev', '--to', 'staging'],
      ['canary', 'weight', 'whisper', '5', '--env', 'dev'],
      ['new', 'model', 'bert', '--env', 'dev'],
      ['diff', '--base', 'HEAD'],
    ]) {
      const before = snapshots(h);
      const result = await runCli(command, h.root);
      expect(result.code, `${command.join(' ')}: ${result.stderr}`).not.toBe(0);
      expectNothingLostOrLeaked(h, before, result);
    }
  });

  // Every place tritonops reads or writes, with a link planted there: to /proc/self/environ for a
  // file, to the folder outside for a folder. No command may follow any of them.
  const PLACES: [rel: string, kind: 'file' | 'folder'][] = [
    ['environments', 'folder'],
    ['environments/dev', 'folder'],
    [E, 'file'],
    ['environments/dev/models', 'folder'],
    [M, 'file'],
    ['environments/dev/pipelines', 'folder'],
    ['environments/dev/pipelines/p.yaml', 'file'],
    ['flux', 'folder'],
    ['flux/models', 'folder'],
    ['flux/models/dev', 'folder'],
    ['flux/models/dev/models/whisper/whisper.yaml', 'file'],
    ['.git/tritonops-cache', 'folder'],
    ['.git/tritonops-cache/dev.json', 'file'],
    ['.tritonops-lock', 'file'],
    ['.tritonops-tmp-999999', 'folder'],
  ];
  const COMMANDS = [
    ['validate'],
    ['synth'],
    ['synth', '--check'],
    ['capacity'],
    ['graph', 'p', '--env', 'dev'],
    ['canary', 'weight', 'whisper', '5', '--env', 'dev'],
    ['promote', 'whisper', '--from', 'dev', '--to', 'staging'],
    ['new', 'model', 'bert', '--env', 'dev'],
    ['diff', '--base', 'HEAD'],
  ];
  it.each(PLACES)('a link at %s (a %s) is followed by no command', async (rel, kind) => {
    const h = await repository();
    link(h, kind === 'file' ? '/proc/self/environ' : h.outside, rel);
    for (const command of COMMANDS) {
      const before = snapshots(h);
      const result = await runCli(command, h.root);
      expectNothingLostOrLeaked(h, before, result);
      // What changed inside, if anything, is never the link or anything through it.
      expect(snapshots(h).outside).toEqual(before.outside);
    }
  });

  it('reads the base of a diff from Git objects: links committed there are refused, never followed', async () => {
    const h = await repository();
    link(h, join(h.outside, 'environment.yaml'), E);
    git(h.root, 'add', '-A');
    git(h.root, 'commit', '-q', '-m', 'a link');
    git(h.root, 'checkout', '-q', 'HEAD~1', '--', E);
    const before = snapshots(h);
    const result = await runCli(['diff', '--base', 'HEAD'], h.root);
    expect(result.stderr).toContain('warning: the specs at HEAD do not validate');
    expectNothingLostOrLeaked(h, before, result);
  });
});

describe('secrets smuggled into the cluster, and managed settings overridden', () => {
  const args =
    (...values: string[]) =>
    (h: Hostile) =>
      replace(h, M, '    - --log-verbose=1', values.map((v) => `    - ${JSON.stringify(v)}`).join('\n'));
  const env = (name: string, value: string) => (h: Hostile) => replace(h, M, '    TRANSFORMERS_OFFLINE: "1"', `    ${name}: ${JSON.stringify(value)}`);
  const cases: Record<string, Case> = {
    '$(AWS_SECRET_ACCESS_KEY) in args': {
      setup: args('--backend-config=python,key=$(AWS_SECRET_ACCESS_KEY)'),
      code: 1,
      error: `${M}:13:7: error: "$(AWS_SECRET_ACCESS_KEY)" would be replaced by Kubernetes with the container's environment variable of that name, and the container's environment holds the S3 keys`,
      also: 'write "$$(" for a literal "$("',
    },
    '$(AWS_SECRET_ACCESS_KEY) in an env value': {
      setup: env('MY_URL', 'https://x.example.com/?k=$(AWS_SECRET_ACCESS_KEY)'),
      code: 1,
      error: /^environments\/dev\/models\/whisper\.yaml:15:\d+: error: "\$\(AWS_SECRET_ACCESS_KEY\)" would be replaced by Kubernetes/,
    },
    'a managed flag as a unique prefix (--model-repo=)': {
      setup: args('--model-repo=s3://evil/models'),
      code: 1,
      error: `${M}:13:7: error: --model-repository is set by tritonops (tritonserver reads --model-repo as --model-repository)`,
    },
    'a managed flag as a prefix with a value (--allow-metric=false)': {
      setup: args('--allow-metric=false'),
      code: 1,
      error: `${M}:13:7: error: --allow-metrics is set by tritonops (tritonserver reads --allow-metric as --allow-metrics)`,
    },
    'a managed flag as a prefix (--http-p=)': {
      setup: args('--http-p=9000'),
      code: 1,
      error: `${M}:13:7: error: --http-port is set by tritonops (tritonserver reads --http-p as --http-port)`,
    },
    'the alias of a managed flag (--model-store)': {
      setup: args('--model-store=/tmp'),
      code: 1,
      error: `${M}:13:7: error: --model-repository is set by tritonops (tritonserver reads --model-store as --model-repository)`,
    },
    'a managed flag in the --flag value form': {
      setup: args('--exit-timeout-secs', '--log-info=true'),
      code: 1,
      error: `${M}:13:7: error: --exit-timeout-secs is set by tritonops`,
    },
    'an ambiguous prefix (tritonserver would not start)': {
      setup: args('--model-load=2'),
      code: 1,
      error: /^environments\/dev\/models\/whisper\.yaml:13:7: error: --model-load is ambiguous: tritonserver would not start/,
    },
    'an unknown flag': {
      setup: args('--logverbose=1'),
      code: 1,
      error: `${M}:13:7: error: --logverbose is not a tritonserver option`,
      also: 'did you mean "--log-verbose"?',
    },
    'redirecting the S3 client (AWS_ENDPOINT_URL)': {
      setup: env('AWS_ENDPOINT_URL', 'https://evil.example.com'),
      code: 1,
      error:
        /^environments\/dev\/models\/whisper\.yaml:15:5: error: environment variable AWS_ENDPOINT_URL may not be set: the S3 client reads AWS_\* variables/,
    },
    'the loader (LD_PRELOAD)': {
      setup: env('LD_PRELOAD', '/model-cache/x.so'),
      code: 1,
      error: /^environments\/dev\/models\/whisper\.yaml:15:5: error: environment variable LD_PRELOAD may not be set/,
    },
    'Python (PYTHONSTARTUP)': {
      setup: env('PYTHONSTARTUP', '/tmp/x.py'),
      code: 1,
      error: /error: environment variable PYTHONSTARTUP may not be set: these change what the Python backends import and run/,
    },
    'a proxy (HTTPS_PROXY)': {
      setup: env('HTTPS_PROXY', 'http://evil.example.com:3128'),
      code: 1,
      error: /error: environment variable HTTPS_PROXY may not be set: a proxy would see every request to S3/,
    },
    "tritonops' own label on a model": {
      setup: (h) => replace(h, M, '    team: speech', '    tritonops.dev/model: densenet'),
      code: 1,
      error: `${M}:6:5: error: label "tritonops.dev/model" is not yours to set: the prefix "tritonops.dev/" belongs to tritonops, which reads such labels to decide what to do`,
    },
    'the managed-by label': {
      setup: (h) => replace(h, M, '    team: speech', '    app.kubernetes.io/managed-by: helm'),
      code: 1,
      error: `${M}:6:5: error: label "app.kubernetes.io/managed-by" is not yours to set: tritonops sets "app.kubernetes.io/managed-by" itself`,
    },
    "Istio's sidecar switch as a pod label": {
      setup: (h) => replace(h, M, '    team: speech', '    sidecar.istio.io/inject: "false"'),
      code: 1,
      error:
        /^environments\/dev\/models\/whisper\.yaml:6:5: error: label "sidecar\.istio\.io\/inject" is not yours to set: the prefix "sidecar\.istio\.io\/" belongs to istio\.io/,
    },
    "a platform namespace (the models could name its Secrets: Flux's deploy key, the mesh's CA)": {
      setup: (h) => replace(h, E, 'spec:\n', 'spec:\n  namespace: flux-system\n'),
      code: 1,
      error: `${E}:7:14: error: namespace "flux-system" cannot hold models: the platform itself runs there`,
    },
    'kube-system as the namespace': {
      setup: (h) => replace(h, E, 'spec:\n', 'spec:\n  namespace: kube-system\n'),
      code: 1,
      error: `${E}:7:14: error: namespace "kube-system" cannot hold models: it belongs to Kubernetes`,
    },
    'commit statuses sent to another host than the Git repository': {
      setup: (h) =>
        replace(
          h,
          E,
          '    url: ssh://git@git.example.com/acme/platform.git',
          '    url: ssh://git@git.example.com/acme/platform.git\n    commitStatus: { provider: gitlab, address: "https://collector.attacker.example/acme/platform", secretRef: flux-commit-status }',
        ),
      code: 1,
      error:
        /^environments\/dev\/environment\.yaml:9:\d+: error: commit statuses would go to collector\.attacker\.example, but the repository is on git\.example\.com/,
    },
    'a model named like the canary Deployment of another': {
      setup: (h) => write(h, 'environments/dev/models/whisper-canary.yaml', read(h, M).replace('name: whisper', 'name: whisper-canary')),
      code: 1,
      error:
        'environments/dev/models/whisper-canary.yaml:4:9: error: "whisper-canary" is the name tritonops gives the canary track of "whisper": the two would replace each other\'s objects',
    },
    "a model named default (the namespace's own mTLS policy)": {
      setup: (h) => write(h, 'environments/dev/models/default.yaml', read(h, M).replace('name: whisper', 'name: default')),
      code: 1,
      error: 'environments/dev/models/default.yaml:4:9: error: "default" names an object every environment has (its mTLS policy)',
    },
    "a model named models (its alert rule would be the environment's retired one)": {
      setup: (h) => write(h, 'environments/dev/models/models.yaml', read(h, M).replace('name: whisper', 'name: models')),
      code: 1,
      error: 'environments/dev/models/models.yaml:4:9: error: "models" names an object every environment has (its retired alert rule, triton-models)',
    },
    'models on control-plane nodes': {
      setup: (h) =>
        replace(
          h,
          E,
          '      gpuMemory: 16Gi',
          '      gpuMemory: 16Gi\n      tolerations: [{ key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule }]',
        ),
      code: 1,
      error:
        /^environments\/dev\/environment\.yaml:16:\d+: error: tolerating "node-role\.kubernetes\.io\/control-plane" would let models onto control-plane nodes/,
    },
    'Pod Security relaxed through namespaceLabels': {
      setup: (h) => replace(h, E, 'spec:\n', 'spec:\n  namespaceLabels:\n    pod-security.kubernetes.io/enforce: privileged\n'),
      code: 1,
      error:
        /^environments\/dev\/environment\.yaml:8:5: error: label "pod-security\.kubernetes\.io\/enforce" is not yours to set: the prefix "pod-security\.kubernetes\.io\/" belongs to kubernetes\.io/,
    },
  };
  it.each(Object.entries(cases))('%s', async (_name, c) => {
    await attack(c);
  });

  it('accepts "$$(" (a literal "$(") and renders it for Kubernetes to unescape', async () => {
    const h = await repository();
    replace(h, M, '    TRANSFORMERS_OFFLINE: "1"', '    GREETING: "costs $$(5)"');
    const result = await runCli(['synth'], h.root);
    expect(result.code, result.stderr).toBe(0);
    expect(read(h, 'flux/models/dev/models/whisper/whisper.yaml')).toContain('value: "costs $$(5)"');
  });
});

describe('the integrity check cannot be fooled', () => {
  it('synth --check compares flux/ with a fresh render: a hand edit with a poisoned cache entry is still found', async () => {
    const h = await repository();
    const file = 'flux/models/dev/models/whisper/whisper.yaml';
    const edited = `${read(h, file)}# replicas: 50, edited by hand\n`;
    write(h, file, edited);
    // The cache says the edited bytes are what the specs render.
    const cacheFile = join(h.root, '.git/tritonops-cache/dev.json');
    const cache = JSON.parse(readFileSync(cacheFile, 'utf8')) as { renders: Record<string, { sha: string }> };
    cache.renders[file]!.sha = createHash('sha256').update(edited).digest('hex');
    writeFileSync(cacheFile, JSON.stringify(cache));
    const check = await runCli(['synth', '--check'], h.root);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain(`  differs  ${file}`);
  });

  it('a cache that comes with the checkout (committed, in the old place) changes nothing', async () => {
    const h = await repository();
    const file = 'flux/models/dev/models/whisper/whisper.yaml';
    const rendered = read(h, file);
    const edited = `${rendered}# edited by hand\n`;
    write(h, file, edited);
    mkdirSync(join(h.root, '.tritonops-cache'));
    const poisoned = JSON.parse(readFileSync(join(h.root, '.git/tritonops-cache/dev.json'), 'utf8')) as { renders: Record<string, { sha: string }> };
    poisoned.renders[file]!.sha = createHash('sha256').update(edited).digest('hex');
    writeFileSync(join(h.root, '.tritonops-cache/dev.json'), JSON.stringify(poisoned));
    rmSync(join(h.root, '.git/tritonops-cache'), { recursive: true });
    git(h.root, 'add', '-f', '.tritonops-cache');
    const synth = await runCli(['synth'], h.root);
    expect(synth.code, synth.stderr).toBe(0);
    expect(read(h, file)).toBe(rendered);
  });

  it.each([
    [
      'a kustomization.yaml that patches what tritonops rendered',
      'flux/models/dev/kustomization.yaml',
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [models/whisper.yaml]\npatches:\n  - target: { kind: Deployment, name: whisper }\n    patch: |\n      - { op: replace, path: /spec/template/spec/containers/0/image, value: evil.example/backdoor }\n',
    ],
    [
      'a hand-written ClusterRoleBinding',
      'flux/models/dev/models/zz-extra.yaml',
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: { name: pwn }\nroleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }\nsubjects: [{ kind: ServiceAccount, name: whisper, namespace: inference }]\n',
    ],
  ])('refuses a file no spec renders where Flux applies everything (%s), for --check and synth alike', async (_what, rel, text) => {
    for (const command of [['synth', '--check'], ['synth']]) {
      await attack({
        setup: (h) => write(h, rel, text),
        command,
        code: 1,
        error: `${rel}: error: this file was not rendered by tritonops, yet Flux applies everything in flux/models/dev/`,
      });
    }
  });

  it('refuses files in a flux-system/ folder of an environment too: Flux applies them like any other', async () => {
    await attack({
      setup: (h) => {
        mkdirSync(join(h.root, 'flux/clusters/dev/flux-system'), { recursive: true });
        write(
          h,
          'flux/clusters/dev/flux-system/backdoor.yaml',
          'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: { name: pr-author-admin }\n',
        );
      },
      command: ['synth', '--check'],
      code: 1,
      error: 'flux/clusters/dev/flux-system/backdoor.yaml: error: this file was not rendered by tritonops, yet Flux applies everything in flux/clusters/dev/',
    });
  });

  it('diff lists every change to files under flux/ that no spec renders, for the reviewer to read', async () => {
    const h = await repository();
    mkdirSync(join(h.root, 'flux/bootstrap/dev'), { recursive: true });
    write(h, 'flux/bootstrap/dev/extra.yaml', 'kind: ClusterRoleBinding\n');
    for (const format of ['text', 'markdown', 'json']) {
      const result = await runCli(['diff', '--base', 'HEAD', '--format', format], h.root);
      expect(result.code, result.stderr).toBe(3);
      expect(result.stdout).toContain('flux/bootstrap/dev/extra.yaml');
    }
    expect((await runCli(['diff', '--base', 'HEAD'], h.root)).stdout).toContain(
      'files under flux/ that tritonops did not render changed; no spec describes them, so read them yourself:\n  added flux/bootstrap/dev/extra.yaml',
    );
  });

  it('diff does not take a newly rendered file, longer than what it reads of it, for one no spec renders', async () => {
    const h = await repository();
    write(h, 'environments/dev/models/tokenizer.yaml', read(h, M).replace('name: whisper', 'name: tokenizer'));
    expect((await runCli(['synth'], h.root)).code).toBe(0);
    const result = await runCli(['diff', '--base', 'HEAD'], h.root);
    expect(result.stdout).toContain('model tokenizer: added');
    expect(result.stdout).not.toContain('did not render');
  });

  it("shows changes to where Flux fetches and sends its tokens, and to the environment's namespace and Secrets, first", async () => {
    const h = await repository();
    replace(h, E, 'url: ssh://git@git.example.com/acme/platform.git', 'url: ssh://git@git.attacker.example/acme/platform.git');
    replace(h, E, 'credentialsSecret: s3-model-reader', 'credentialsSecret: another-secret');
    const result = await runCli(['diff', '--base', 'HEAD'], h.root);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stdout).toContain('  environment: git.url: ssh://git@git.example.com/acme/platform.git -> ssh://git@git.attacker.example/acme/platform.git');
    expect(result.stdout).toMatch(/ {2}environment: s3: .*"credentialsSecret":"s3-model-reader".* -> .*"credentialsSecret":"another-secret"/);
  });

  it("refuses a repository where Git tracks Nx's cache or tritonops' lock", async () => {
    await attack({
      setup: (h) => {
        mkdirSync(join(h.root, '.nx/cache/1234'), { recursive: true });
        writeFileSync(join(h.root, '.nx/cache/1234/terminalOutput'), 'ok: flux/ is up to date\n');
        git(h.root, 'add', '-f', '.nx');
      },
      command: ['synth', '--check'],
      code: 1,
      error: /^\.nx\/cache\/1234\/terminalOutput: error: Git tracks local state of tritonops or Nx/,
    });
  });
});

describe('credentials that used to pass the scan', () => {
  const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const cases: Record<string, Case> = {
    'an AWS secret access key alone': {
      setup: (h) => replace(h, M, '    TRANSFORMERS_OFFLINE: "1"', `    S3_SETTINGS: "${AWS_SECRET}"`),
      code: 1,
      error: `${M}:15:18: error: this looks like a credential (an AWS secret access key); specs are committed to Git and must not carry secrets`,
    },
    'a PGP private key block': {
      setup: (h) => replace(h, M, '    TRANSFORMERS_OFFLINE: "1"', '    SIGNING: "-----BEGIN PGP PRIVATE KEY BLOCK-----"'),
      code: 1,
      error: `${M}:15:14: error: this looks like a credential (a private key); specs are committed to Git and must not carry secrets`,
    },
    'a token as an annotation key': {
      setup: (h) => replace(h, M, '  labels:', '  annotations:\n    ghp_0123456789abcdefghijABCDEFGHIJ0123: x\n  labels:'),
      code: 1,
      error: `${M}:6:5: error: this looks like a credential (an API token, as a key); specs are committed to Git and must not carry secrets`,
    },
    'a token as an environment variable name': {
      setup: (h) => replace(h, M, '    TRANSFORMERS_OFFLINE: "1"', '    hf_abcdefghijklmnopqrstuvwxyz0123456789: "1"'),
      code: 1,
      error: `${M}:15:5: error: this looks like a credential (an API token, as a key); specs are committed to Git and must not carry secrets`,
    },
    'a token as the user of the Git URL': {
      setup: (h) =>
        replace(h, E, 'url: ssh://git@git.example.com/acme/platform.git', 'url: https://glpat-abcdefghij0123456789@git.example.com/acme/platform.git'),
      code: 1,
      error: `${E}:8:10: error: this looks like a credential (a URL with credentials as its user); specs are committed to Git and must not carry secrets`,
    },
    'a token as an anchor name': {
      setup: (h) => replace(h, M, '  labels:', '  labels: &ghp_R2d2C3poBB8x9Y7zQwErTyUiOpAsDfGhJkLz'),
      code: 1,
      error: `${M}:5:12: error: this looks like a credential (an API token), outside any value: comments and YAML syntax are committed to Git too`,
    },
    'an AWS secret key after a prefix, in a comment': {
      setup: (h) => replace(h, M, '  replicas: 1', '  replicas: 1 # rotate key/wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY.'),
      code: 1,
      error: `${M}:11:28: error: this looks like a credential (an AWS secret access key), outside any value: comments and YAML syntax are committed to Git too`,
    },
    'a key name run together (DBPASSWORD)': {
      setup: (h) => replace(h, M, '    TRANSFORMERS_OFFLINE: "1"', '    DBPASSWORD: hunter22'),
      code: 1,
      error: `${M}:15:17: error: this looks like a credential (a value under "DBPASSWORD"); specs are committed to Git and must not carry secrets`,
    },
    'a password reused through an alias': {
      setup: (h) => replace(h, M, '    team: speech', '    team: &shared hunter2-but-longer\n  annotations:\n    dbPassword: *shared'),
      code: 1,
      error: `${M}:8:17: error: this looks like a credential (a value under "dbPassword"); specs are committed to Git and must not carry secrets`,
    },
  };
  it.each(Object.entries(cases))('%s', async (_name, c) => {
    await attack(c);
  });

  it('takes a reviewed allowance for a false positive, shows it in diff, and refuses one that allows nothing', async () => {
    const h = await repository();
    replace(h, M, '    TRANSFORMERS_OFFLINE: "1"', '    MAX_TOKEN_LENGTH: "512"');
    const flagged = await runCli(['validate'], h.root);
    expect(flagged.stderr).toContain(`${M}:15:23: error: this looks like a credential (a value under "MAX_TOKEN_LENGTH")`);
    expect(flagged.stderr).toContain('say so in metadata.annotations["tritonops.dev/not-a-secret"] as "spec.env.MAX_TOKEN_LENGTH: <why>"');
    const allowed = '  annotations:\n    tritonops.dev/not-a-secret: "spec.env.MAX_TOKEN_LENGTH: a length in tokens, not a token"\n';
    replace(h, M, '  labels:', `${allowed}  labels:`);
    expect((await runCli(['validate'], h.root)).stderr).toBe('');
    const diff = await runCli(['diff', '--base', 'HEAD'], h.root);
    expect(diff.stdout).toContain('model whisper: not a secret (credentials scan): (none) -> spec.env.MAX_TOKEN_LENGTH: a length in tokens, not a token');
    replace(h, M, '    MAX_TOKEN_LENGTH: "512"', '    MAX_LENGTH: "512"');
    const unused = await runCli(['validate'], h.root);
    expect(unused.code).toBe(1);
    expect(unused.stderr).toContain(
      `${M}:6:33: error: "spec.env.MAX_TOKEN_LENGTH" is listed as not a secret (a length in tokens, not a token), but nothing there looks like one`,
    );
  });
});

describe('injection into what reviewers and terminals read', () => {
  const override = (reason: string) => (h: Hostile) =>
    replace(
      h,
      'environments/staging/models/whisper.yaml',
      '  labels:',
      `  annotations:\n    tritonops.dev/promotion-override: ${JSON.stringify(reason)}\n  labels:`,
    );

  it('the promotion-override reason is literal text in the Markdown comment: no HTML comment, image, link or mention', async () => {
    const h = await repository();
    override('hotfix <!-- ![x](https://evil.example/x.png) @acme/admins [click](https://evil.example) `` ` ``')(h);
    replace(h, 'environments/staging/models/whisper.yaml', 's3://models/whisper/2024-11-02', 's3://models/whisper/evil');
    const result = await runCli(['diff', '--base', 'HEAD', '--format', 'markdown'], h.root);
    expect(result.code, result.stderr).toBe(3);
    const outsideCode = result.stdout
      .replace(/<code>[^<]*<\/code>/g, '')
      .replace(/(`+)[^`]+?\1/g, '')
      .replace(/(```+)diff\n[\s\S]*?\n\1/g, '');
    expect(outsideCode).not.toMatch(/<!--|!\[|\]\(https?:|@acme/);
    expect(result.stdout).toContain('<code>hotfix &#60;!-- ![x](https://evil.example/x.png) @acme/admins [click](https://evil.example) `` ` ``</code>');
    expect(result.stdout).toContain('s3://models/whisper/evil');
  });

  it('a reason that holds a workflow command stays inert in terminal and CI logs', async () => {
    const h = await repository();
    override('hotfix\n::error::pwned\n##[warning]also pwned')(h);
    const before = snapshots(h);
    for (const format of ['text', 'markdown', 'json']) {
      const result = await runCli(['diff', '--base', 'HEAD', '--format', format], h.root);
      expect(result.code, result.stderr).toBe(3);
      expectNothingLostOrLeaked(h, before, result);
    }
  });

  it('file names that hold Azure Pipelines or GitHub commands are shown inert', async () => {
    const stderr = await attack({
      setup: (h) => {
        writeFileSync(join(h.root, 'environments/dev/models/##vso[task.setvariable variable=PATH]x'), '');
        writeFileSync(join(h.root, 'environments/dev/models/::error::x.md'), '');
      },
      command: ['validate'],
      code: 0,
      error: /^environments\/dev\/models\/#\\#vso\[task\.setvariable variable=PATH\]x:1:1: warning: this file is not read$/,
    });
    expect(stderr).not.toMatch(/##vso\[/i);
  });

  it('keys with ESC are refused with the character named, never echoed raw', async () => {
    await attack({
      setup: (h) => replace(h, M, '    team: speech', '    "team\\e]0;pwned\\a": speech'),
      command: ['validate'],
      code: 1,
      error: /^environments\/dev\/models\/whisper\.yaml:6:5: error: this text contains the character "\\u001B", which a reader cannot see/,
      also: 'U+001B ESCAPE (a control character)',
    });
  });

  it('role "*" is refused: Istio reads it as any role', async () => {
    await attack({
      setup: (h) => replace(h, M, 'spec:\n', 'spec:\n  auth: { roles: ["*"] }\n'),
      code: 1,
      error: `${M}:8:19: error: role "*" holds "*", which Istio reads as a wildcard (any role)`,
    });
  });
});

describe('crashes become located errors', () => {
  const cases: Record<string, Case> = {
    'a recursive alias': {
      setup: (h) => replace(h, M, '    team: speech', '    team: speech\n  annotations: &loop\n    self: *loop'),
      code: 1,
      error: `${M}:8:11: error: alias "*loop" is inside the node it refers to, so its value never ends`,
    },
    'an unreadable spec file (a folder in its place)': {
      setup: (h) => mkdirSync(join(h.root, 'environments/dev/pipelines/p.yaml'), { recursive: true }),
      code: 1,
      error: 'environments/dev/pipelines/p.yaml:1:1: error: this is a folder, where a spec file belongs',
    },
    'environment.yaml as a folder': {
      setup: (h) => {
        rmSync(join(h.root, E));
        mkdirSync(join(h.root, E));
      },
      code: 1,
      error: `${E}:1:1: error: this is a folder, where a spec file belongs`,
    },
    "a variable named like a JavaScript object's own property (constructor)": {
      setup: (h) => replace(h, M, '    TRANSFORMERS_OFFLINE: "1"', '    constructor: "1"\n    toString: "2"'),
      code: 0,
      error: /^/,
    },
    'a GPU pool named constructor': {
      setup: (h) => replace(h, M, 'gpuPool: t4', 'gpuPool: constructor'),
      code: 1,
      error: `${M}:10:12: error: gpuPool "constructor" is not a pool of environment "dev"`,
    },
    'YAML nested 5000 levels deep (a stack overflow, or worse, in the parser)': {
      setup: (h) => write(h, M, `${'['.repeat(5000)}${']'.repeat(5000)}`),
      command: ['validate'],
      code: 1,
      error: `${M}:1:65: error: the YAML nests more than 64 levels of [ and { here`,
    },
    'models/ as a file': {
      setup: (h) => {
        rmSync(join(h.root, 'environments/dev/models'), { recursive: true });
        writeFileSync(join(h.root, 'environments/dev/models'), 'x');
      },
      code: 1,
      error: 'environments/dev/models:1:1: error: this is a file, where a folder of specs belongs',
    },
  };
  it.each(Object.entries(cases))('%s', async (_name, c) => {
    if (c.code === 0) {
      // Accepted, and rendered as the plain variables they are.
      const h = await repository();
      c.setup(h);
      const result = await runCli(['synth'], h.root);
      expect(result.code, result.stderr).toBe(0);
      expect(read(h, 'flux/models/dev/models/whisper/whisper.yaml')).toContain('name: constructor');
      return;
    }
    await attack(c);
  });

  it.each([
    ['help constructor', ['help', 'constructor'], 2],
    ['a command named __proto__', ['__proto__'], 2],
    ['new with --pool constructor', ['new', 'model', 'bert', '--env', 'dev', '--pool', 'constructor'], 2],
  ])('%s is a usage error, not a crash', async (_what, args, code) => {
    const h = await repository();
    const before = snapshots(h);
    const result = await runCli(args, h.root);
    expect(result.code, result.stderr).toBe(code);
    expectNothingLostOrLeaked(h, before, result);
  });
});

describe('output the cluster would reject or misroute is refused at the spec', () => {
  const cases: Record<string, Case> = {
    'DCGM autoscaling on a name whose pods get truncated names': {
      setup: (h) => {
        const name = 'w'.repeat(40);
        renameSync(join(h.root, M), join(h.root, `environments/dev/models/${name}.yaml`));
        replace(h, `environments/dev/models/${name}.yaml`, 'name: whisper', `name: ${name}`);
        replace(
          h,
          `environments/dev/models/${name}.yaml`,
          '  replicas: 1\n',
          '  canary: { repository: s3://models/whisper/next, weight: 5 }\n  autoscaling:\n    maxReplicas: 2\n    triggers: { gpuUtilization: 80, gpuUtilizationSource: dcgm }\n',
        );
      },
      code: 1,
      error: /error: the pods of Deployment "w{40}-canary" get truncated names \(over 46 characters\), so DCGM's per-pod series cannot be matched to it/,
    },
    'an 80-character pool name (a node label value is at most 63)': {
      setup: (h) => {
        replace(h, E, '    t4:', `    ${'t'.repeat(80)}:`);
        replace(h, M, 'gpuPool: t4', `gpuPool: ${'t'.repeat(80)}`);
      },
      code: 1,
      error: /^environments\/dev\/environment\.yaml:10:5: error: invalid key "t{80}" in spec\.gpuPools/,
    },
    'a 70-character DNS label in gateway.domain': {
      setup: (h) => replace(h, E, 'domain: inference.example.com', `domain: ${'a'.repeat(70)}.example.com`),
      code: 1,
      error: `${E}:21:13: error: "${'a'.repeat(20)}…" in gateway.domain is 70 characters; a DNS label has at most 63`,
    },
    'a canary header every gRPC request carries (content-type)': {
      setup: (h) =>
        replace(
          h,
          M,
          '  replicas: 1\n',
          '  replicas: 1\n  canary:\n    repository: s3://models/whisper/next\n    header: { content-type: application/grpc }\n',
        ),
      code: 1,
      error: `${M}:14:15: error: "content-type" cannot choose the canary: ordinary requests carry it (routing on it would send them to the canary)`,
    },
    'a sampling percentage that would render rate=Infinity': {
      setup: (h) => replace(h, M, '  replicas: 1\n', '  replicas: 1\n  tracing: { samplingPercent: 5e-324 }\n'),
      code: 1,
      error: `${M}:12:31: error: samplingPercent 5e-324 is too small to sample: Triton takes one request in round(100 / 5e-324)`,
    },
    'a route timeout of 0s (Istio refuses durations under 1ms)': {
      setup: (h) => replace(h, M, '  replicas: 1\n', '  replicas: 1\n  traffic: { timeout: 0s }\n'),
      code: 1,
      error: `${M}:12:23: error: traffic.timeout 0s must be at least 1ms`,
    },
    'a retry timeout past any duration': {
      setup: (h) => replace(h, M, '  replicas: 1\n', '  replicas: 1\n  traffic: { retries: { perTryTimeout: 99999999999999999999999h } }\n'),
      code: 1,
      error: `${M}:12:40: error: traffic.retries.perTryTimeout 99999999999999999999999h is longer than a day`,
    },
    'a toleration with operator Exists and a value': {
      setup: (h) =>
        replace(h, E, '      gpuMemory: 16Gi', '      gpuMemory: 16Gi\n      tolerations: [{ key: pool, operator: Exists, value: a100, effect: NoSchedule }]'),
      code: 1,
      error: /^environments\/dev\/environment\.yaml:16:\d+: error: a toleration with operator Exists takes no value \(Kubernetes refuses it\)/,
    },
    'a toleration key whose prefix is past 253 characters': {
      setup: (h) =>
        replace(
          h,
          E,
          '      gpuMemory: 16Gi',
          `      gpuMemory: 16Gi\n      tolerations: [{ key: "${Array(5).fill('a'.repeat(60)).join('.')}/pool", operator: Exists, effect: NoSchedule }]`,
        ),
      code: 1,
      error: /^environments\/dev\/environment\.yaml:16:\d+: error: the prefix of label key "a{20}…" is 304 characters; Kubernetes allows 253/,
    },
    'a Flagger analysis interval in hours (its CRD takes seconds or minutes)': {
      setup: (h) => replace(h, M, '  replicas: 1\n', '  replicas: 1\n  canary: { analysis: { interval: 1h } }\n'),
      code: 1,
      error: `${M}:12:35: error: spec.canary.analysis.interval "1h" is not in the expected format`,
    },
    'a Git branch that is no branch name': {
      setup: (h) => replace(h, E, '  git:\n', '  git:\n    branch: "-x y"\n'),
      code: 1,
      error: `${E}:8:13: error: "-x y" is not a Git branch name`,
    },
    'an unknown YAML tag (!include would become a plain string)': {
      setup: (h) => replace(h, M, 'replicas: 1', 'replicas: !include replicas.yaml'),
      code: 1,
      error: `${M}:11:13: error: YAML tag "!include" is not supported`,
    },
    'a raw NUL byte': {
      setup: (h) => replace(h, M, 'team: speech', 'team: spe\u0000ech'),
      code: 1,
      error: `${M}:6:14: error: the file contains the character "\\u0000", which YAML does not allow`,
      also: 'U+0000 NULL',
    },
    'a spec named bert.YAML (would be ignored)': {
      setup: (h) => writeFileSync(join(h.root, 'environments/dev/models/bert.YAML'), read(h, M)),
      code: 1,
      error: 'environments/dev/models/bert.YAML:1:1: error: this file is not read: model specs end in ".yaml"',
      also: 'rename it to bert.yaml',
    },
    'a spec named bert.json (would be ignored)': {
      setup: (h) => writeFileSync(join(h.root, 'environments/dev/models/bert.json'), '{}'),
      code: 1,
      error: 'environments/dev/models/bert.json:1:1: error: this file is not read: model specs end in ".yaml"',
      also: 'JSON is YAML',
    },
    'a promotedFrom cycle': {
      setup: (h) => replace(h, E, 'spec:\n', 'spec:\n  promotedFrom: staging\n'),
      code: 1,
      error: `${E}:7:17: error: promotedFrom goes round in a circle: dev → staging → dev`,
    },
    'a zero-width space in a key (named, not hidden)': {
      setup: (h) => replace(h, M, '  replicas: 1', '  replicas\u200b: 1'),
      code: 1,
      error: `${M}:11:3: error: this text contains the character "\\u200B", which a reader cannot see`,
      also: 'U+200B ZERO WIDTH SPACE (invisible)',
    },
    'a homoglyph in a key (revealed and named)': {
      setup: (h) => replace(h, M, '  replicas: 1', '  replic\u0430s: 1'),
      code: 1,
      error: `${M}:11:3: error: unknown key "replic\\u0430s" in spec`,
      also: 'U+0430 CYRILLIC SMALL LETTER A (looks like "a")',
    },
    'a taint value Kubernetes would reject': {
      setup: (h) =>
        replace(h, E, '      gpuMemory: 16Gi', `      gpuMemory: 16Gi\n      tolerations: [{ key: pool, value: "${'v'.repeat(70)}", effect: NoSchedule }]`),
      code: 1,
      error: /^environments\/dev\/environment\.yaml:16:41: error: spec\.gpuPools\.t4\.tolerations\[0\]\.value must be at most 63 characters long, not 70/,
    },
  };
  it.each(Object.entries(cases))('%s', async (_name, c) => {
    await attack(c);
  });

  it('selects pods by label, not by name, so the longest model names still autoscale', async () => {
    const h = await repository();
    const name = 'w'.repeat(52);
    write(h, `environments/dev/models/${name}.yaml`, read(h, M));
    replace(h, `environments/dev/models/${name}.yaml`, 'name: whisper', `name: ${name}`);
    replace(
      h,
      `environments/dev/models/${name}.yaml`,
      '  replicas: 1\n',
      '  canary: { repository: s3://models/whisper/next, weight: 5 }\n  autoscaling:\n    maxReplicas: 2\n    triggers: { queueTimeMs: 50 }\n',
    );
    const result = await runCli(['synth'], h.root);
    expect(result.code, result.stderr).toBe(0);
    const rendered = read(h, `flux/models/dev/models/${name}/${name}.yaml`);
    expect(rendered).toContain(`app_kubernetes_io_name=\\"${name}\\",tritonops_dev_track=\\"stable\\"`);
    expect(rendered).not.toContain('pod=~');
  });
});

describe('a second writer waits for the first', () => {
  /** A process that holds the repository's lock (as a running tritonops would) for `ms`. */
  function holder(root: string, ms: number): ChildProcess {
    const script = `
      const fs = require('node:fs');
      const stat = fs.readFileSync('/proc/self/stat', 'utf8');
      const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
      fs.writeFileSync('.tritonops-lock', process.pid + ' ' + start + '\\n', { flag: 'wx' });
      setTimeout(() => { fs.rmSync('.tritonops-lock'); process.exit(0); }, ${ms});
      process.stdout.write('held\\n');`;
    return spawn(process.execPath, ['-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  }
  const started = (child: ChildProcess) => new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));

  it('waits while another run holds the lock, saying so once, then writes', async () => {
    const h = await repository();
    replace(h, M, 'replicas: 1', 'replicas: 2');
    const child = holder(h.root, 1500);
    await started(child);
    const t0 = Date.now();
    const result = await runCli(['synth'], h.root);
    expect(result.code, result.stderr).toBe(0);
    expect(Date.now() - t0).toBeGreaterThan(1000);
    expect(result.stderr).toMatch(/^waiting: another tritonops run \(\d+ \d+\) is writing this repository$/m);
    expect(read(h, 'flux/models/dev/models/whisper/whisper.yaml')).toContain('replicas: 2');
  });

  it("gives up after TRITONOPS_LOCK_WAIT_SECONDS with exit code 75, changing nothing; a dead owner's lock is taken over", async () => {
    const h = await repository();
    replace(h, M, 'replicas: 1', 'replicas: 2');
    const child = holder(h.root, 60_000);
    await started(child);
    process.env.TRITONOPS_LOCK_WAIT_SECONDS = '1';
    try {
      const before = snapshots(h);
      const busy = await runCli(['synth'], h.root);
      expect(busy.code).toBe(75);
      expect(busy.stderr).toMatch(/^\.tritonops-lock: error: another tritonops run \(\d+ \d+\) is writing this repository$/m);
      expectNothingLostOrLeaked(h, before, busy);
      // The owner dies without removing its lock: the next run sees it is stale.
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const after = await runCli(['synth'], h.root);
      expect(after.code, after.stderr).toBe(0);
      expect(read(h, 'flux/models/dev/models/whisper/whisper.yaml')).toContain('replicas: 2');
    } finally {
      delete process.env.TRITONOPS_LOCK_WAIT_SECONDS;
      child.kill('SIGKILL');
    }
  });
});
