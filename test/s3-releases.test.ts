/**
 * `validate --s3` and `new model --from` against a real S3 server (s3rver on 127.0.0.1): the
 * bundled dev environment, pointed at the test server, with its releases uploaded as Triton model
 * repositories. Credentials reach the CLI as the standard AWS variables, as in CI.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusingEndpoint, startS3Server } from './support/s3-server.ts';
import { BUNDLED, copyWorkspace, runCli } from './support/workspace.ts';

const WHISPER = (type = 'TYPE_FP32') => `name: "whisper"
backend: "python"
input [ { name: "AUDIO", data_type: ${type}, dims: [ -1 ] } ]
output [ { name: "TEXT", data_type: TYPE_STRING, dims: [ 1 ] } ]
instance_group [ { kind: KIND_GPU, count: 1 } ]
`;
const DENSENET = `name: "densenet_onnx"
platform: "onnxruntime_onnx"
max_batch_size: 0
input [ { name: "data_0", data_type: TYPE_FP32, dims: [ 3, 224, 224 ] } ]
output [ { name: "fc6_1", data_type: TYPE_FP32, dims: [ 1000 ] } ]
instance_group [ { kind: KIND_CPU, count: 2 } ]
`;
const VLLM = `backend: "vllm"
model_transaction_policy { decoupled: true }
instance_group [ { kind: KIND_MODEL, count: 1 } ]
`;

let server: Awaited<ReturnType<typeof startS3Server>>;
const saved: Record<string, string | undefined> = {};
const AWS_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_REGION',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
];

beforeAll(async () => {
  server = await startS3Server();
  await server.createBucket('models');
  await server.uploadRepository('models', 'whisper/2024-11-20', { 'whisper/config.pbtxt': WHISPER(), 'whisper/1/model.py': '# model' });
  await server.uploadRepository('models', 'whisper/2024-11-25', { 'whisper/config.pbtxt': WHISPER(), 'whisper/1/model.py': '# model' });
  await server.uploadRepository('models', 'whisper/2024-12-01', { 'whisper/config.pbtxt': WHISPER('TYPE_FP16'), 'whisper/1/model.py': '# model' });
  await server.uploadRepository('models', 'densenet/2024-10-01', { 'densenet_onnx/config.pbtxt': DENSENET, 'densenet_onnx/1/model.onnx': 'onnx' });
  await server.uploadRepository('models', 'densenet/2024-12-01', { 'densenet_onnx/config.pbtxt': DENSENET });
  await server.uploadRepository('models', 'llm/v1', { 'vllm_model/config.pbtxt': VLLM, 'vllm_model/1/model.json': '{}' });
  // The CLI reads credentials from the standard variables, and nothing from this machine's AWS files.
  for (const name of AWS_VARIABLES) saved[name] = process.env[name];
  for (const name of AWS_VARIABLES) delete process.env[name];
  process.env.AWS_ACCESS_KEY_ID = server.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = server.credentials.secretAccessKey;
  process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws-credentials';
}, 60_000);

afterAll(async () => {
  for (const name of AWS_VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  await server?.stop();
});

/** The bundled environments, dev's S3 endpoint set to `endpoint` (the test server by default). */
function workspace(endpoint = server.endpoint): { path: string; edit: (rel: string, from: string | RegExp, to: string) => void; remove: () => void } {
  const dir = copyWorkspace(BUNDLED, 's3-releases');
  rmSync(join(dir.path, 'flux'), { recursive: true, force: true });
  const edit = (rel: string, from: string | RegExp, to: string) => {
    const path = join(dir.path, rel);
    const text = readFileSync(path, 'utf8');
    const next = text.replace(from, to);
    expect(next, `${rel}: ${String(from)}`).not.toBe(text);
    writeFileSync(path, next);
  };
  edit('environments/dev/environment.yaml', 'endpoint: https://s3.ru-1.storage.example.com:443', `endpoint: ${endpoint}`);
  return { ...dir, edit };
}

const WHISPER_SPEC = 'environments/dev/models/whisper.yaml';
const DENSENET_SPEC = 'environments/dev/models/densenet.yaml';

describe('validate --s3', () => {
  it('passes releases that hold what the specs say, and says what it checked', async () => {
    const ws = workspace();
    try {
      const run = await runCli(['validate', '--env', 'dev', '--s3', '--no-cache'], ws.path);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      // whisper's stable and canary releases, densenet's; outside Git every spec is checked.
      expect(run.stdout).toContain(`s3: checked 3 release(s) of 2 model spec(s), no Git repository at the root: every spec on ${server.endpoint}`);
    } finally {
      ws.remove();
    }
  });

  it('fails a release that is not in the bucket, at `repository`, naming what it looked for', async () => {
    const ws = workspace();
    try {
      ws.edit(WHISPER_SPEC, 'repository: s3://models/whisper/2024-11-20', 'repository: s3://models/whisper/2024-11-21');
      const run = await runCli(['validate', '--env', 'dev', '--s3', '--no-cache'], ws.path);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `${WHISPER_SPEC}:11:15: error: release s3://models/whisper/2024-11-21/ is not in the bucket: listing it on ${server.endpoint} found nothing`,
      );
      // (What is stored beside it, in the hint, is the unit tests': s3rver lists no common prefix
      // whose objects lie deeper than one level below it.)
      expect(run.stderr).toContain('error: release s3://models/whisper/2024-11-21/ is not in the bucket');
    } finally {
      ws.remove();
    }
  });

  it('fails a model without a version folder, at its `models` entry', async () => {
    const ws = workspace();
    try {
      ws.edit(DENSENET_SPEC, 'repository: s3://models/densenet/2024-10-01', 'repository: s3://models/densenet/2024-12-01');
      const run = await runCli(['validate', '--env', 'dev', '--s3', '--no-cache'], ws.path);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `${DENSENET_SPEC}:12:12: error: model "densenet_onnx" has no version folder: s3://models/densenet/2024-12-01/densenet_onnx/ holds no numeric folder`,
      );
    } finally {
      ws.remove();
    }
  });

  it('names the tensor and both datatypes when a signature disagrees with config.pbtxt', async () => {
    const ws = workspace();
    try {
      ws.edit(WHISPER_SPEC, 'repository: s3://models/whisper/2024-11-20', 'repository: s3://models/whisper/2024-12-01');
      const run = await runCli(['validate', '--env', 'dev', '--s3', '--no-cache'], ws.path);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /environments\/dev\/models\/whisper\.yaml:25:\d+: error: input AUDIO: datatype FP32 in the spec, FP16 in s3:\/\/models\/whisper\/2024-12-01\/whisper\/config\.pbtxt/,
      );
    } finally {
      ws.remove();
    }
  });

  it('fails a vLLM model served by a -py3 image, at `image`', async () => {
    const ws = workspace();
    try {
      writeFileSync(
        join(ws.path, 'environments/dev/models/llm.yaml'),
        `apiVersion: tritonops.dev/v1alpha1
kind: Model
metadata: { name: llm }
spec:
  image: nvcr.io/nvidia/tritonserver:24.10-py3
  repository: s3://models/llm/v1
  gpuPool: t4
`,
      );
      const run = await runCli(['validate', '--env', 'dev', '--s3', '--no-cache'], ws.path);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        'environments/dev/models/llm.yaml:5:10: error: model "vllm_model" of s3://models/llm/v1/ runs on the vllm backend, which image tag 24.10-py3 lacks: it needs a `-vllm-` image',
      );
      expect(run.stderr).toContain('hint: use nvcr.io/nvidia/tritonserver:24.10-vllm-python-py3');
    } finally {
      ws.remove();
    }
  });

  it('fails with one clear error when S3 cannot be reached', async () => {
    const refusing = await refusingEndpoint();
    const ws = workspace(refusing.endpoint);
    try {
      const run = await runCli(['validate', '--env', 'dev', '--s3', '--no-cache'], ws.path);
      expect(run.code).toBe(1);
      const errors = run.stderr.split('\n').filter((l) => / error: /.test(l));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(
        /^environments\/dev\/environment\.yaml:32:15: error: S3 at http:\/\/127\.0\.0\.1:\d+ cannot be read: .*the releases on it were not checked$/,
      );
    } finally {
      ws.remove();
    }
  }, 60_000);

  it('checks only the specs changed since the base in Git; --s3-all checks every one', async () => {
    const ws = workspace();
    try {
      const git = (...args: string[]) => execFileSync('git', args, { cwd: ws.path, encoding: 'utf8' });
      git('init', '--quiet', '--initial-branch=main');
      git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '--allow-empty', '-m', 'empty');
      git('add', '-A');
      git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', 'specs');
      git('checkout', '--quiet', '-b', 'change');
      ws.edit(DENSENET_SPEC, 'repository: s3://models/densenet/2024-10-01', 'repository: s3://models/densenet/2024-10-02');
      const changed = await runCli(['validate', '--env', 'dev', '--s3', '--no-cache'], ws.path);
      expect(changed.code).toBe(1);
      expect(changed.stdout).toMatch(/s3: checked 1 release\(s\) of the 1 model spec\(s\) changed since .*main/);
      expect(changed.stderr).toContain('release s3://models/densenet/2024-10-02/ is not in the bucket');
      const all = await runCli(['validate', '--env', 'dev', '--s3-all', '--no-cache'], ws.path);
      expect(all.stdout).toContain('s3: checked 3 release(s) of 2 model spec(s), every spec (--s3-all)');
    } finally {
      ws.remove();
    }
  });
});

describe('validate --s3 on a pull request that moves the endpoint', () => {
  it('sends no request to an endpoint the base branch does not name, and says to merge the endpoint first', async () => {
    // A host of the pull request's own: it would receive signed requests and the key's id.
    let connections = 0;
    const elsewhere = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((done) => elsewhere.listen(0, '127.0.0.1', done));
    const port = (elsewhere.address() as AddressInfo).port;
    const ws = workspace();
    try {
      const git = (...args: string[]) => execFileSync('git', args, { cwd: ws.path, encoding: 'utf8' });
      git('init', '--quiet', '--initial-branch=main');
      git('add', '-A');
      git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', 'specs');
      git('checkout', '--quiet', '-b', 'change');
      ws.edit('environments/dev/environment.yaml', `endpoint: ${server.endpoint}`, `endpoint: http://127.0.0.1:${port}`);
      const run = await runCli(['validate', '--env', 'dev', '--s3', '--no-cache'], ws.path);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /environment\.yaml:\d+:\d+: error: S3 at http:\/\/127\.0\.0\.1:\d+ cannot be read: the base branch names no environment with this endpoint/,
      );
      expect(run.stderr).toContain('merge the change of spec.s3.endpoint on its own first');
      expect(connections).toBe(0);
      // Once merged, the endpoint is one main names: the check goes there.
      git('add', '-A');
      git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', 'move the endpoint');
      git('checkout', '--quiet', 'main');
      git('merge', '--quiet', 'change');
      // (On main nothing differs from the base: --s3-all checks every spec.)
      await runCli(['validate', '--env', 'dev', '--s3-all', '--no-cache'], ws.path);
      expect(connections).toBeGreaterThan(0);
    } finally {
      ws.remove();
      await new Promise((done) => elsewhere.close(done));
    }
  });
});

describe('validate --s3 in a Git repository without a base', () => {
  it('refuses (usage): nothing says which specs changed nor which endpoints are merged; --s3-all is the explicit choice', async () => {
    const ws = workspace();
    try {
      const git = (...args: string[]) => execFileSync('git', args, { cwd: ws.path, encoding: 'utf8' });
      git('init', '--quiet', '--initial-branch=trunk');
      git('add', '-A');
      git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', 'specs');
      const run = await runCli(['validate', '--env', 'dev', '--s3', '--no-cache'], ws.path);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('error: validate --s3 has no base to compare with');
      expect(run.stderr).toContain('pass --base <ref>');
      expect(run.stdout).not.toContain('s3: checked');
      const all = await runCli(['validate', '--env', 'dev', '--s3-all', '--no-cache'], ws.path);
      expect(all.code, all.stderr).toBe(0);
      expect(all.stdout).toContain('every spec (--s3-all)');
    } finally {
      ws.remove();
    }
  });
});

describe('new model --from', () => {
  it('writes a spec from a release that validates, with and without --s3, and renders', async () => {
    const ws = workspace();
    try {
      const made = await runCli(['new', 'model', 'asr', '--env', 'dev', '--from', 's3://models/whisper/2024-11-20'], ws.path);
      expect(made.stderr).toBe('');
      expect(made.code).toBe(0);
      const text = readFileSync(join(ws.path, 'environments/dev/models/asr.yaml'), 'utf8');
      expect(text).toContain('image: nvcr.io/nvidia/tritonserver:24.10-py3');
      expect(text).toContain('repository: s3://models/whisper/2024-11-20');
      expect(text).toContain('models: [whisper]');
      expect(text).toContain('gpuPool: t4');
      expect(text).toContain('- { name: AUDIO, datatype: FP32, shape: [-1] }');
      expect(text).toContain('- { name: TEXT, datatype: BYTES, shape: [1] }');
      expect((await runCli(['validate', '--env', 'dev', '--no-cache'], ws.path)).code).toBe(0);
      const s3 = await runCli(['validate', '--env', 'dev', '--s3', '--no-cache'], ws.path);
      expect(s3.stderr).toBe('');
      expect(s3.code).toBe(0);
      const synth = await runCli(['synth', '--env', 'dev', '--no-cache'], ws.path);
      expect(synth.stderr).toBe('');
      expect(synth.code).toBe(0);
      const rendered = readdirSync(join(ws.path, 'flux/models/dev'), { recursive: true, encoding: 'utf8' });
      expect(rendered.some((p) => p.split('/').includes('asr') || p.startsWith('asr'))).toBe(true);
    } finally {
      ws.remove();
    }
  }, 60_000);

  it('writes the vLLM image variant and a GPU pool for a vLLM release', async () => {
    const ws = workspace();
    try {
      const made = await runCli(['new', 'model', 'chat', '--env', 'dev', '--from', 's3://models/llm/v1'], ws.path);
      expect(made.code).toBe(0);
      const text = readFileSync(join(ws.path, 'environments/dev/models/chat.yaml'), 'utf8');
      expect(text).toContain('image: nvcr.io/nvidia/tritonserver:24.10-vllm-python-py3');
      expect(text).toContain('gpuPool: t4');
      expect(text).toMatch(/# vllm_model: no signature: /);
      expect((await runCli(['validate', '--env', 'dev', '--s3', '--no-cache'], ws.path)).code).toBe(0);
    } finally {
      ws.remove();
    }
  }, 60_000);

  it('writes nothing for a repository that is not there, or one Triton could not load', async () => {
    const ws = workspace();
    try {
      const missing = await runCli(['new', 'model', 'ghost', '--env', 'dev', '--from', 's3://models/ghost/v1'], ws.path);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('error: nothing is stored under s3://models/ghost/v1/');
      expect(missing.stderr).toContain('nothing was written');
      const broken = await runCli(['new', 'model', 'broken', '--env', 'dev', '--from', 's3://models/densenet/2024-12-01'], ws.path);
      expect(broken.code).toBe(1);
      expect(broken.stderr).toContain('error: s3://models/densenet/2024-12-01/densenet_onnx/ has no numeric version folder');
      expect(existsSync(join(ws.path, 'environments/dev/models/ghost.yaml'))).toBe(false);
      expect(existsSync(join(ws.path, 'environments/dev/models/broken.yaml'))).toBe(false);
    } finally {
      ws.remove();
    }
  }, 60_000);
});

describe('new model --from with what a bucket may hold', () => {
  const python = (tensor: string) => `backend: "python"
input [ { name: "${tensor}", data_type: TYPE_FP32, dims: [ 1 ] } ]
output [ { name: "OUT", data_type: TYPE_FP32, dims: [ 1 ] } ]
instance_group [ { kind: KIND_CPU } ]
`;

  it('writes names YAML would read as other types (null, 1e3, True, yes, 0x1F) as strings', async () => {
    const names = ['null', '1e3', 'True', 'yes', '0x1F'];
    const files: Record<string, string> = {};
    for (const name of names) {
      // Tensor names must start with a letter or "_": those a signature can hold keep the same spellings.
      files[`${name}/config.pbtxt`] = python(/^[A-Za-z]/.test(name) ? name : 'IN');
      files[`${name}/1/model.py`] = '# model';
    }
    await server.uploadRepository('models', 'names/v1', files);
    const ws = workspace();
    try {
      const made = await runCli(['new', 'model', 'odd', '--env', 'dev', '--from', 's3://models/names/v1'], ws.path);
      expect(made.stderr).toBe('');
      expect(made.code).toBe(0);
      const text = readFileSync(join(ws.path, 'environments/dev/models/odd.yaml'), 'utf8');
      expect(text).toContain('models: ["0x1F", "1e3", "True", "null", "yes"]');
      expect(text).toContain('    "null":\n');
      expect(text).toContain('- { name: "null", datatype: FP32, shape: [1] }');
      expect(text).toContain('- { name: "True", datatype: FP32, shape: [1] }');
      expect(text).toContain('- { name: "yes", datatype: FP32, shape: [1] }');
      expect(text).toContain('- { name: OUT, datatype: FP32, shape: [1] }');
      const s3 = await runCli(['validate', '--env', 'dev', '--s3', '--no-cache'], ws.path);
      expect(s3.stderr).toBe('');
      expect(s3.code).toBe(0);
    } finally {
      ws.remove();
    }
  }, 60_000);

  it('refuses a release with a folder `models` could not name, and validate reports it without `models`', async () => {
    await server.uploadRepository('models', 'tilde/v1', {
      'ok/config.pbtxt': python('IN'),
      'ok/1/model.py': '#',
      '~/config.pbtxt': python('IN'),
      '~/1/model.py': '#',
    });
    const ws = workspace();
    try {
      const made = await runCli(['new', 'model', 'tilde', '--env', 'dev', '--from', 's3://models/tilde/v1'], ws.path);
      expect(made.code).toBe(1);
      expect(made.stderr).toContain('error: s3://models/tilde/v1/ holds folders whose names are not Triton model names tritonops can write');
      expect(made.stderr).toContain(': "~"; rename or remove them');
      expect(existsSync(join(ws.path, 'environments/dev/models/tilde.yaml'))).toBe(false);
      ws.edit(DENSENET_SPEC, 'repository: s3://models/densenet/2024-10-01', 'repository: s3://models/tilde/v1');
      ws.edit(DENSENET_SPEC, /\n {2}models: \[densenet_onnx\]/, '');
      ws.edit(DENSENET_SPEC, /\n {2}signatures:[\s\S]*?(?=\n {2}[a-z]|\n?$)/, '');
      const run = await runCli(['validate', '--env', 'dev', '--s3', '--no-cache'], ws.path);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /densenet\.yaml:\d+:\d+: error: release s3:\/\/models\/tilde\/v1\/ holds 1 folder whose name is not a Triton model name tritonops can check .*: "~"; Triton would load it unchecked/,
      );
    } finally {
      ws.remove();
    }
  }, 60_000);

  it('gives a TensorRT plan a GPU pool, and says a KIND_AUTO ONNX model would use a GPU the pod had', async () => {
    const tensors =
      'max_batch_size: 4\ninput [ { name: "x", data_type: TYPE_FP32, dims: [ 3 ] } ]\noutput [ { name: "y", data_type: TYPE_FP32, dims: [ 3 ] } ]\n';
    await server.uploadRepository('models', 'plan/v1', { 'plan/config.pbtxt': `platform: "tensorrt_plan"\n${tensors}`, 'plan/1/model.plan': 'x' });
    await server.uploadRepository('models', 'onnx/v1', { 'onnx/config.pbtxt': `platform: "onnxruntime_onnx"\n${tensors}`, 'onnx/1/model.onnx': 'x' });
    const ws = workspace();
    try {
      expect((await runCli(['new', 'model', 'plan', '--env', 'dev', '--from', 's3://models/plan/v1'], ws.path)).code).toBe(0);
      const plan = readFileSync(join(ws.path, 'environments/dev/models/plan.yaml'), 'utf8');
      expect(plan).toMatch(/\n {2}gpuPool: t4\n {2}gpus: 1 {30}# Triton places every instance on the GPUs it is given\n/);
      expect((await runCli(['new', 'model', 'onnx', '--env', 'dev', '--from', 's3://models/onnx/v1'], ws.path)).code).toBe(0);
      const onnx = readFileSync(join(ws.path, 'environments/dev/models/onnx.yaml'), 'utf8');
      expect(onnx).not.toMatch(/\n {2}gpuPool:/);
      expect(onnx).toContain(
        '  # CPU-only: no config.pbtxt asks for a GPU. onnx leaves the device to Triton (instance_group KIND_AUTO or none),\n  # and Triton runs it on a GPU when the pod has one. For a GPU, set gpuPool to one of: ',
      );
      expect(onnx).toContain('  # gpuPool: ');
      expect(onnx).toContain('  # gpus: 1\n');
    } finally {
      ws.remove();
    }
  }, 60_000);
});
