/**
 * The bad-input corpus: each folder under fixtures/bad-input/ is a small repository with one
 * mistake. For each, `tritonops synth` must fail with exit code 1, report the exact problem at the
 * exact position with a fix, and leave flux/ byte-for-byte as it was.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RENDERED_HEADER } from '@tritonops/cli';
import { BUNDLED, copyWorkspace, REPO_ROOT, runCli, snapshotDir } from './support/workspace.ts';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/bad-input');

interface Expected {
  /** `file:line:col: error: message`, exactly as printed. */
  readonly error: string;
  /** Part of the hint printed under it. */
  readonly hint?: string;
}

const M = 'environments/dev/models/whisper.yaml';
const E = 'environments/dev/environment.yaml';
const PIPE = 'environments/dev/pipelines/speech-to-image.yaml';

const CASES: Record<string, Expected[]> = {
  'typo-key': [{ error: `${M}:9:3: error: unknown key "replica" in spec`, hint: 'did you mean "replicas"?' }],
  'typo-nested-key': [{ error: `${M}:11:5: error: unknown key "memroy" in spec.resources`, hint: 'did you mean "memory"?' }],
  'wrong-type': [{ error: `${M}:9:9: error: spec.gpus must be an integer, not "two"`, hint: 'for example: 1' }],
  'unknown-gpu-pool': [{ error: `${M}:8:12: error: gpuPool "t5" is not a pool of environment "dev"`, hint: 'did you mean "t4"?' }],
  'duplicate-model': [
    {
      error: 'environments/dev/models/whisper.yml:4:9: error: model "whisper" is already declared in environments/dev/models/whisper.yaml:4:9',
      hint: 'give each model a unique name',
    },
  ],
  's3-bucket-uppercase': [
    { error: `${M}:7:15: error: "Models" in "s3://Models/whisper/2024-11-02" is not a valid bucket name`, hint: 'bucket names are lowercase: models' },
  ],
  's3-endpoint-without-port': [
    {
      error: `${M}:7:15: error: S3 URI "s3://https://s3.example.com/models/whisper/2024-11-02" names a custom endpoint without a port; Triton needs the port to tell the endpoint from the bucket`,
      hint: 'write s3://https://s3.example.com:443/models/whisper/2024-11-02',
    },
  ],
  's3-path-traversal': [
    { error: `${M}:7:15: error: path segment ".." of "s3://models/whisper/../../private" is not one Triton can load`, hint: '"." and ".." are not allowed' },
  ],
  'inline-secret-env': [
    {
      error: `${M}:10:28: error: this looks like a credential (a value under "AWS_SECRET_ACCESS_KEY"); specs are committed to Git and must not carry secrets`,
      hint: 'a model reads one with `secretEnv` (a Secret declared under `secrets` in environment.yaml), the S3 keys go in `s3.credentialsSecret`',
    },
  ],
  'inline-secret-s3': [
    {
      error: `${E}:19:16: error: this looks like a credential (a value under "secretKey"); specs are committed to Git and must not carry secrets`,
      hint: 'put them in a Kubernetes Secret',
    },
  ],
  'inline-secret-access-key-id': [
    { error: `${M}:11:7: error: this looks like a credential (an AWS access key id); specs are committed to Git and must not carry secrets`, hint: 'Secret' },
  ],
  'gpus-over-pool': [{ error: `${M}:9:9: error: gpus: 2 does not fit pool "t4", whose nodes offer 1 nvidia.com/gpu each`, hint: 'request at most 1' }],
  'gpus-without-pool': [{ error: `${M}:8:3: error: \`gpus\` is set but \`gpuPool\` is not`, hint: 'remove `gpus` for a CPU-only model' }],
  'malformed-yaml': [{ error: `${M}:9:1: error: invalid YAML: All mapping items must start at the same column`, hint: 'check the indentation' }],
  'missing-environment': [{ error: `${E}:1:1: error: environment "dev" has no environment.yaml`, hint: 'create environments/dev/environment.yaml' }],
  'duplicate-key': [{ error: `${M}:9:3: error: duplicate key "image": it appears twice in the same mapping`, hint: 'remove one of the two entries' }],
  'invalid-model-name': [
    { error: 'environments/dev/models/Whisper_Large.yaml:4:9: error: metadata.name "Whisper_Large" is not in the expected format', hint: 'DNS-1123 label' },
  ],
  'invalid-quantity': [{ error: `${M}:11:13: error: spec.resources.memory "16GB" is not a valid Kubernetes quantity`, hint: 'write 16Gi' }],
  'shm-over-memory': [
    { error: `${M}:12:10: error: shm (32Gi) must be less than memory (16Gi): /dev/shm counts toward the memory limit`, hint: 'raise `memory` or lower `shm`' },
  ],
  'cache-without-sfs': [
    { error: `${M}:9:10: error: cache: sfs needs an SFS share, but environment "dev" declares no \`sfs\``, hint: 'add `sfs: { server, path, size }`' },
  ],
  'managed-flag': [{ error: `${M}:10:7: error: --model-repository is set by tritonops`, hint: 'set `repository`' }],
  'misspelled-kind': [{ error: `${M}:2:7: error: kind must be "Model", not "Modle"`, hint: 'did you mean "Model"?' }],
  'missing-required-key': [
    { error: `${M}:5:1: error: missing required key "image" in spec`, hint: 'for example `image: nvcr.io/nvidia/tritonserver:24.10-py3`' },
  ],
  'endpoint-without-port': [
    {
      error: `${E}:16:15: error: S3 endpoint "https://s3.example.com" has no port; Triton needs it to tell the endpoint from the bucket`,
      hint: 'write https://s3.example.com:443',
    },
  ],
  'empty-model-file': [{ error: 'environments/dev/models/empty.yaml:1:1: error: the file is empty', hint: 'delete the file' }],
  'not-utf8': [{ error: `${M}:10:18: error: the file is not valid UTF-8`, hint: 'save the file as UTF-8' }],
  'alias-bomb': [{ error: `${M}:1:1: error: YAML aliases expand to too much data (more than 100 expansions)`, hint: 'write the values out' }],
  'file-name-mismatch': [
    {
      error: 'environments/dev/models/speech.yaml:4:9: error: model "whisper" is declared in speech.yaml; a model\'s file is named after it',
      hint: 'rename the file to whisper.yaml',
    },
  ],
  'time-slicing-shares': [
    {
      error: `${E}:12:20: error: gpusPerNode (3) of time-sliced pool "t4" counts shares and must be a multiple of timeSlicing.replicas (2)`,
      hint: 'set gpusPerNode to physical GPUs per node × 2',
    },
  ],
  'canary-weight-over-100': [{ error: `${M}:15:13: error: spec.canary.weight must be <= 100, not 150` }],
  'canary-same-release': [
    {
      error: `${M}:13:3: error: the canary runs the same release as the stable track`,
      hint: 'give the canary its own `image`, `repository`, `models` or `args`',
    },
  ],
  'analysis-with-weight': [
    { error: `${M}:14:5: error: canary.weight cannot be combined with canary.analysis: Flagger sets the weights`, hint: 'remove one of the two' },
  ],
  'analysis-with-release': [
    {
      error: `${M}:14:5: error: canary.repository cannot be combined with canary.analysis: Flagger makes a canary of every change to the model's own release`,
      hint: 'change spec.repository itself',
    },
  ],
  'roles-without-jwt': [
    {
      error: `${M}:14:5: error: roles are checked on JWT claims, but environment "dev" configures no \`auth.jwt\``,
      hint: 'add `auth: { jwt: { issuer, jwksUri } }`',
    },
  ],
  'canary-header-uppercase': [{ error: `${M}:16:7: error: invalid key "X-Canary" in spec.canary.header`, hint: 'write it in lowercase: "x-canary"' }],
  'retry-on-typo': [
    {
      error: `${M}:15:50: error: spec.traffic.retries.retryOn[2] must be one of "connect-failure", "refused-stream", "reset", "unavailable", "cancelled", "deadline-exceeded", "resource-exhausted", "internal", "5xx", "gateway-error", "retriable-4xx", not "unavailble"`,
      hint: 'did you mean "unavailable"?',
    },
  ],
  'invalid-timeout': [{ error: `${M}:14:14: error: spec.traffic.timeout "1 minute" is not in the expected format`, hint: 'For example: 120s' }],
  'invalid-gateway-domain': [
    {
      error: `${E}:16:13: error: spec.gateway.domain "https://inference.example.com" is not in the expected format`,
      hint: 'each model is served at `<model>.<domain>`',
    },
  ],
  'capacity-min-over': [
    { error: `${E}:13:17: error: GPU pool "t4" cannot fit the minimum demand: 3 nvidia.com/gpu (whisper 3×1) but 2 nodes × 1 = 2`, hint: 'raise maxNodes' },
  ],
  'gpu-memory-over-pool': [{ error: `${M}:9:14: error: gpuMemory 20Gi does not fit in 1 unit of pool "t4" (16Gi each)`, hint: 'request more `gpus`' }],
  'autoscaling-without-trigger': [{ error: `${M}:16:5: error: autoscaling needs at least one trigger`, hint: 'e.g. `queueTimeMs: 50`' }],
  'autoscaling-min-over-max': [{ error: `${M}:14:18: error: minReplicas (3) is larger than maxReplicas (2)` }],
  'scale-to-zero-without-opt-in': [
    {
      error: `${M}:14:18: error: minReplicas: 0 scales the model to zero, which needs an explicit \`scaleToZero\``,
      hint: 'add `scaleToZero: { idleSeconds: 900 }`',
    },
  ],
  'fallback-with-ratio-trigger': [
    {
      error: `${M}:16:5: error: fallbackReplicas works only with per-replica triggers, but queueTimeMs is a ratio (Value) trigger`,
      hint: 'KEDA falls back only for AverageValue triggers',
    },
  ],
  'gpu-trigger-on-cpu-model': [
    { error: `${M}:16:7: error: gpuUtilization needs a GPU, but the model has no gpuPool`, hint: 'scale a CPU-only model on queueTimeMs' },
  ],
  'pipeline-unknown-model': [
    {
      error: 'environments/dev/pipelines/speech-to-image.yaml:16:14: error: step "draw" calls model "sdxll", which environment "dev" does not have',
      hint: 'did you mean "sdxl"?',
    },
  ],
  'pipeline-cycle': [
    {
      error: 'environments/dev/pipelines/speech-to-image.yaml:14:16: error: the steps form a cycle: transcribe → draw → transcribe (each reads from the next)',
      hint: 'a step may only read from steps that do not read from it',
    },
  ],
  'pipeline-unfed-input': [
    {
      error: 'environments/dev/pipelines/speech-to-image.yaml:17:7: error: step "draw" leaves "PROMPT" of sdxl/sdxl unfed',
      hint: 'feed it: `PROMPT: input.<NAME>`',
    },
    {
      error: 'environments/dev/pipelines/speech-to-image.yaml:18:9: error: step "draw" feeds "NEGATIVE_PROMPT", which sdxl/sdxl does not take',
      hint: 'its inputs: PROMPT',
    },
  ],
  'pipeline-dtype-mismatch': [
    {
      error: 'environments/dev/pipelines/speech-to-image.yaml:18:17: error: input "PROMPT" of step "draw" is BYTES, but "input.AUDIO" is FP32',
      hint: 'convert in a pre- or post-processing step',
    },
  ],
  'huge-file': [{ error: `${M}:1:1: error: the file is 1.2 MiB; a spec file is at most 1.0 MiB`, hint: 'one model or pipeline per file' }],
  'name-path-traversal': [{ error: `${M}:4:9: error: metadata.name "../../etc/passwd" is not in the expected format`, hint: 'DNS-1123 label' }],
  'empty-environment-file': [{ error: `${E}:1:1: error: the file is empty`, hint: 'write a spec here' }],
  'tab-indentation': [{ error: `${M}:8:1: error: invalid YAML: Tabs are not allowed as indentation`, hint: 'indent with spaces, not tabs' }],
  'wrong-type-list': [{ error: `${M}:9:11: error: spec.models must be a list, not "whisper"`, hint: 'for example: ["densenet_onnx"]' }],
  'gpus-zero': [{ error: `${M}:9:9: error: spec.gpus must be >= 1, not 0` }],
  'promoted-from-unknown': [{ error: `${E}:6:17: error: promotedFrom names environment "stagin", which does not exist`, hint: 'environments: dev' }],
  'environment-name-mismatch': [
    { error: `${E}:4:9: error: environment is named "develop" but lives in environments/dev/`, hint: 'name it "dev" or rename the folder' },
  ],
  'pipeline-unknown-step': [
    {
      error: `${PIPE}:18:17: error: input "PROMPT" of step "draw" reads from "transcribe2.TEXT", but the pipeline has no step "transcribe2"`,
      hint: 'did you mean "transcribe.TEXT"?',
    },
  ],
  'pipeline-reserved-step-name': [{ error: `${PIPE}:15:13: error: "input" is reserved for the pipeline's inputs`, hint: 'rename the step' }],
  'pipeline-duplicate-step': [{ error: `${PIPE}:15:13: error: step "transcribe" is declared twice`, hint: 'give each step a unique name' }],
  'pipeline-missing-signature': [
    {
      error:
        'environments/dev/pipelines/speech.yaml:12:14: error: model "whisper" declares no signature for Triton model "whisper", so the tensors of step "transcribe" cannot be checked',
      hint: 'add `signatures: { whisper: { inputs: [...], outputs: [...] } }` to environments/dev/models/whisper.yaml',
    },
  ],
  'many-errors-at-once': [
    { error: `${E}:15:3: error: missing required key "region" in spec.s3`, hint: 'for example `region: ru-1`' },
    { error: `${E}:17:5: error: unknown key "regoin" in spec.s3`, hint: 'did you mean "region"?' },
    { error: 'environments/dev/models/densenet.yaml:9:13: error: spec.replicas must be >= 0, not -1' },
    { error: `${M}:8:12: error: gpuPool "a100" is not a pool of environment "dev"`, hint: 'pools of dev: t4' },
  ],
};

/** A stale rendered file: any successful synth of these fixtures would delete it. */
const STALE = 'flux/models/dev/models/retired.yaml';

function withFlux(fixture: string) {
  const dir = copyWorkspace(join(FIXTURES, fixture), fixture);
  if (fixture === 'huge-file') {
    // Made here rather than committed: a spec padded past the 1 MiB limit with comments.
    const path = join(dir.path, 'environments/dev/models/whisper.yaml');
    writeFileSync(path, `${readFileSync(path, 'utf8')}${'# padding padding padding padding padding padding padding padding\n'.repeat(19_000)}`);
  }
  mkdirSync(join(dir.path, 'flux/models/dev/models'), { recursive: true });
  writeFileSync(join(dir.path, STALE), `${RENDERED_HEADER} (a model removed from the specs)\nkind: Deployment\n`);
  writeFileSync(join(dir.path, 'flux/README.md'), 'not rendered by tritonops\n');
  return dir;
}

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

describe('bad input: clear errors, exit code 1, flux/ untouched', () => {
  it('covers at least 60 cases, across environments, models and pipelines', () => {
    expect(Object.keys(CASES).length).toBeGreaterThanOrEqual(60);
    const files = Object.values(CASES)
      .flat()
      .map((e) => e.error.split(':')[0]!);
    expect(files.some((f) => f.endsWith('environment.yaml'))).toBe(true);
    expect(files.some((f) => f.includes('/models/'))).toBe(true);
    expect(files.some((f) => f.includes('/pipelines/'))).toBe(true);
  });

  it.each(Object.entries(CASES))('%s', async (fixture, expected) => {
    const dir = withFlux(fixture);
    cleanups.push(dir.remove);
    const before = snapshotDir(join(dir.path, 'flux'));

    const result = await runCli(['synth'], dir.path);

    expect(result.code).toBe(1);
    const errorLines = result.stderr.split('\n').filter((l) => / error: /.test(l) && /^\S+:\d+:\d+: /.test(l));
    expect(errorLines).toEqual(expected.map((e) => e.error));
    for (const e of expected) {
      if (!e.hint) continue;
      const block = result.stderr.slice(result.stderr.indexOf(e.error));
      const hint = block.split('\n').find((l) => l.startsWith('  = hint: '));
      expect(hint).toContain(e.hint);
    }
    expect(result.stderr).toMatch(/synth failed: \d+ errors?, \d+ warnings?; nothing under flux\/ was changed/);
    expect(result.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace
    expect(snapshotDir(join(dir.path, 'flux'))).toEqual(before);
  });

  it('the same flux/ set-up does change when the specs are valid (so the assertion above can fail)', async () => {
    const dir = withFlux('typo-key');
    cleanups.push(dir.remove);
    writeFileSync(
      join(dir.path, 'environments/dev/models/whisper.yaml'),
      (await import('node:fs')).readFileSync(join(dir.path, 'environments/dev/models/whisper.yaml'), 'utf8').replace('replica: 2', 'replicas: 2'),
    );
    const before = snapshotDir(join(dir.path, 'flux'));
    // The stale file is the whole of dev's flux/: removing it needs the explicit yes.
    const result = await runCli(['synth', '--allow-removal'], dir.path);
    expect(result.code).toBe(0);
    const after = snapshotDir(join(dir.path, 'flux'));
    expect(after).not.toEqual(before);
    // snapshotDir keys are relative to flux/.
    expect(before.has(STALE.replace(/^flux\//, ''))).toBe(true);
    expect(after.has(STALE.replace(/^flux\//, ''))).toBe(false);
    expect(after.get('README.md')).toBe(before.get('README.md'));
    expect(after.get('README.md')).toBeDefined();
  });

  it('validate reports the same problems with the same exit code', async () => {
    const dir = copyWorkspace(join(FIXTURES, 'many-errors-at-once'), 'validate');
    cleanups.push(dir.remove);
    const result = await runCli(['validate'], dir.path);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('validation failed: 4 errors, 0 warnings');
  });
});

describe('warnings: reported with positions, but the render goes ahead', () => {
  it('warns when a production model opts out of authentication', async () => {
    const dir = copyWorkspace(BUNDLED, 'warn-auth');
    cleanups.push(dir.remove);
    const file = join(dir.path, 'environments/production/models/densenet.yaml');
    const { readFileSync } = await import('node:fs');
    writeFileSync(file, `${readFileSync(file, 'utf8')}  auth:\n    required: false\n`);
    const result = await runCli(['validate'], dir.path);
    expect(result.code).toBe(0);
    const line =
      readFileSync(file, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('required: false')) + 1;
    expect(result.stderr).toContain(
      `environments/production/models/densenet.yaml:${line}:15: warning: model "densenet" opts out of authentication in production: anyone who reaches the gateway can call it`,
    );
    expect(result.stdout).toContain('(0 errors, 1 warning)');
  });

  it('does not warn about the same opt-out outside production', async () => {
    const dir = copyWorkspace(BUNDLED, 'warn-auth-staging');
    cleanups.push(dir.remove);
    const file = join(dir.path, 'environments/staging/models/densenet.yaml');
    const { readFileSync } = await import('node:fs');
    writeFileSync(file, `${readFileSync(file, 'utf8')}  auth:\n    required: false\n`);
    const result = await runCli(['validate'], dir.path);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });
});
