/**
 * `validate --s3` in the planner: releases checked against an in-memory bucket, with positions in
 * the spec, both datatypes named, the batch dimension, canaries and one read per listing or object.
 */
import { describe, expect, it } from 'vitest';
import { checkReleases, describeRelease, StoreUnavailable, type ModelStore, type StoreListing, type StoreLocation } from '../src/index.ts';
import { environment, model, workspace } from './tiny-workspace.ts';

/** A bucket in memory: keys by `bucket/key`; lists one level like S3 with a `/` delimiter. */
class MemoryStore implements ModelStore {
  readonly objects = new Map<string, string>();
  readonly calls: string[] = [];
  down?: StoreUnavailable;

  put(path: string, text: string): this {
    this.objects.set(path, text);
    return this;
  }

  #key(location: StoreLocation, path: string): string {
    return [location.bucket, location.prefix, path].filter((p) => p !== '').join('/');
  }

  async list(location: StoreLocation, path: string): Promise<StoreListing> {
    this.calls.push(`list ${this.#key(location, path)}/`);
    if (this.down) throw this.down;
    const prefix = `${this.#key(location, path)}/`;
    const folders = new Set<string>();
    const files: string[] = [];
    for (const key of this.objects.keys()) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash >= 0) folders.add(rest.slice(0, slash));
      else files.push(rest);
    }
    return { folders: [...folders].sort(), files: files.sort() };
  }

  async read(location: StoreLocation, path: string, maxBytes: number): Promise<Uint8Array | { tooLarge: number } | undefined> {
    this.calls.push(`get ${this.#key(location, path)}`);
    if (this.down) throw this.down;
    const text = this.objects.get(this.#key(location, path));
    if (text === undefined) return undefined;
    const bytes = new TextEncoder().encode(text);
    return bytes.length > maxBytes ? { tooLarge: bytes.length } : bytes;
  }
}

const WHISPER_CONFIG = `name: "whisper"
backend: "onnxruntime"
max_batch_size: 8
input [ { name: "AUDIO", data_type: TYPE_FP16, dims: [ -1 ] } ]
output [ { name: "TEXT", data_type: TYPE_STRING, dims: [ 1 ] } ]
instance_group [ { kind: KIND_GPU, count: 2, gpus: [ 0, 1 ] } ]
`;

const VLLM_CONFIG = `backend: "vllm"
model_transaction_policy { decoupled: true }
instance_group [ { count: 1, kind: KIND_MODEL } ]
`;

/** A good release: whisper (onnx, batched) with version 1. */
function bucket(): MemoryStore {
  return new MemoryStore()
    .put('models/whisper/v1/whisper/config.pbtxt', WHISPER_CONFIG)
    .put('models/whisper/v1/whisper/1/model.onnx', 'onnx')
    .put('models/whisper/v2/whisper/config.pbtxt', WHISPER_CONFIG)
    .put('models/whisper/v2/whisper/1/model.onnx', 'onnx');
}

const SIGNATURE = `  signatures:
    whisper:
      inputs: [{ name: AUDIO, datatype: FP16, shape: [-1, -1] }]
      outputs: [{ name: TEXT, datatype: BYTES, shape: [-1, 1] }]
`;

function loaded(spec: string, name = 'whisper') {
  const result = workspace({ 'environments/test/environment.yaml': environment('test'), [`environments/test/models/${name}.yaml`]: model(name, spec) });
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result;
}

async function check(spec: string, store: ModelStore, name = 'whisper') {
  const result = await checkReleases({ environments: loaded(spec, name).environments, store });
  return {
    ...result,
    shown: result.diagnostics.map((d) => `${d.line}:${d.col} ${d.code}: ${d.message}${d.hint ? ` [${d.hint}]` : ''}`),
  };
}

describe('checkReleases', () => {
  it('passes a release that holds what the spec says, reading each listing and config once', async () => {
    const store = bucket();
    const r = await check(`  models: [whisper]\n${SIGNATURE}`, store);
    expect(r.shown).toEqual([]);
    expect(r).toMatchObject({ models: 1, releases: 1, endpoints: ['https://s3.example.com:443'] });
    expect(store.calls.sort()).toEqual(['get models/whisper/v1/whisper/config.pbtxt', 'list models/whisper/v1/', 'list models/whisper/v1/whisper/']);
  });

  it('says a release is missing at `repository`, naming what was listed and the likely typo', async () => {
    const typo = await checkReleases({
      environments: workspace({
        'environments/test/environment.yaml': environment('test'),
        'environments/test/models/whisper.yaml': model('whisper', '').replace('s3://models/whisper/v1', 's3://models/whisper/v3'),
      }).environments,
      store: bucket(),
    });
    expect(typo.diagnostics.map((d) => [d.code, d.line, d.col, d.message, d.hint])).toEqual([
      [
        'release-missing',
        6,
        15,
        'release s3://models/whisper/v3/ is not in the bucket: listing it on https://s3.example.com:443 found nothing',
        'did you mean s3://models/whisper/v1? s3://models/whisper/ holds v1, v2; upload the release, or point `repository` at one of them',
      ],
    ]);
  });

  it('suggests the release a typo meant', async () => {
    const store = bucket().put('models/whisper/2024-11-02/whisper/config.pbtxt', WHISPER_CONFIG);
    const r = await checkReleases({
      environments: workspace({
        'environments/test/environment.yaml': environment('test'),
        'environments/test/models/whisper.yaml': model('whisper', '').replace('s3://models/whisper/v1', 's3://models/whisper/2024-11-20'),
      }).environments,
      store,
    });
    expect(r.diagnostics[0]?.hint).toBe(
      'did you mean s3://models/whisper/2024-11-02? s3://models/whisper/ holds 2024-11-02, v1, v2; upload the release, or point `repository` at one of them',
    );
  });

  it('reports a model of `models` the release lacks at its entry, with a did-you-mean', async () => {
    const r = await check('  models: [whisper, wisper_large]\n', bucket());
    expect(r.shown).toEqual([
      '7:21 release-model-missing: model "wisper_large" is not in release s3://models/whisper/v1/: there is no s3://models/whisper/v1/wisper_large/ [the release holds: whisper]',
    ]);
  });

  it('reports a missing config.pbtxt and a missing version folder, naming the objects', async () => {
    const store = new MemoryStore()
      .put('models/whisper/v1/whisper/model.onnx', 'x')
      .put('models/whisper/v1/other/config.pbtxt', WHISPER_CONFIG.replace('"whisper"', '"other"'));
    const r = await check('', store);
    expect(r.shown).toEqual([
      '6:15 release-version-missing: model "other" has no version folder: s3://models/whisper/v1/other/ holds no numeric folder such as s3://models/whisper/v1/other/1/ [Triton loads a model from its numeric version folders: upload the model files under <model>/1/]',
      '6:15 release-config-missing: model "whisper" has no configuration: s3://models/whisper/v1/whisper/config.pbtxt does not exist [upload the model\'s config.pbtxt with it]',
      '6:15 release-version-missing: model "whisper" has no version folder: s3://models/whisper/v1/whisper/ holds no numeric folder such as s3://models/whisper/v1/whisper/1/ [Triton loads a model from its numeric version folders: upload the model files under <model>/1/]',
    ]);
  });

  it('reports a config Triton cannot read with its line and column, without echoing strange text', async () => {
    const store = bucket().put('models/whisper/v1/whisper/config.pbtxt', 'name: "whisper"\nmax_batch_sise: 8\n');
    const r = await check('  models: [whisper]\n', store);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ code: 'release-config-invalid', line: 7, col: 12 });
    expect(r.diagnostics[0]!.message).toMatch(/^s3:\/\/models\/whisper\/v1\/whisper\/config\.pbtxt:2:1: /);
    const hostile = bucket().put('models/whisper/v1/whisper/config.pbtxt', 'name: "\u001b[31mwhisper"\n');
    const h = await check('', hostile);
    expect(h.diagnostics.map((d) => d.message).join('\n')).not.toContain('\u001b');
  });

  it('names the tensor and both datatypes when a signature disagrees with config.pbtxt', async () => {
    const r = await check(SIGNATURE.replace('datatype: FP16', 'datatype: FP32'), bucket());
    expect(r.shown).toEqual([
      "9:41 release-signature-mismatch: input AUDIO: datatype FP32 in the spec, FP16 in s3://models/whisper/v1/whisper/config.pbtxt [write datatype: FP16, or fix the model's config]",
    ]);
  });

  it('counts the batch dimension max_batch_size adds, and tensors missing on either side', async () => {
    const r = await check(
      `  signatures:
    whisper:
      inputs: [{ name: AUDIO, datatype: FP16, shape: [-1] }, { name: LANG, datatype: BYTES, shape: [1] }]
      outputs: [{ name: TEXTS, datatype: BYTES, shape: [-1, 1] }]
`,
      bucket(),
    );
    expect(r.shown).toEqual([
      '9:54 release-signature-mismatch: input AUDIO: shape [-1] in the spec, [-1, -1] in s3://models/whisper/v1/whisper/config.pbtxt (its max_batch_size 8 adds the batch dimension -1 first) [write shape: [-1, -1]]',
      '9:70 release-signature-mismatch: input LANG is not an input of s3://models/whisper/v1/whisper/config.pbtxt [its inputs: AUDIO]',
      // A rename is one error, at the spec's tensor, not also "TEXT is missing".
      '10:25 release-signature-mismatch: output TEXTS is not an output of s3://models/whisper/v1/whisper/config.pbtxt, which has output TEXT the signature lacks [did you mean "TEXT"? the config declares { name: TEXT, datatype: BYTES, shape: [-1, 1] }]',
    ]);
  });

  it('reports signatures of a model the release does not hold at their key', async () => {
    const r = await check(SIGNATURE.replace('    whisper:', '    whisper_v2:'), bucket());
    expect(r.shown).toEqual([
      '8:5 release-model-missing: signatures describe model "whisper_v2", which release s3://models/whisper/v1/ does not hold [did you mean "whisper"?]',
    ]);
  });

  it('checks the image variant against the backends: vLLM needs a -vllm- image and its model.json', async () => {
    const store = new MemoryStore().put('models/llm/v1/llama/config.pbtxt', VLLM_CONFIG).put('models/llm/v1/llama/1/model.json', '{}');
    const r = await check('', store, 'llm');
    expect(r.shown).toEqual([
      '5:10 release-image-backend: model "llama" of s3://models/llm/v1/ runs on the vllm backend, which image tag 24.10-py3 lacks: it needs a `-vllm-` image [use nvcr.io/nvidia/tritonserver:24.10-vllm-python-py3]',
    ]);
    store.objects.delete('models/llm/v1/llama/1/model.json');
    store.put('models/llm/v1/llama/1/weights.bin', 'x');
    const fixed = await checkReleases({
      environments: workspace({
        'environments/test/environment.yaml': environment('test'),
        'environments/test/models/llm.yaml': model('llm', '').replace('24.10-py3', '24.10-vllm-python-py3'),
      }).environments,
      store,
    });
    expect(fixed.diagnostics.map((d) => d.message)).toEqual([
      'model "llama" runs on the vllm backend, which loads s3://models/whisper/v1/llama/1/model.json: it does not exist'.replace('whisper', 'llm'),
    ]);
  });

  it("checks the canary's own release at the canary's fields, and reads a shared release once", async () => {
    const store = bucket();
    const r = await check(`${SIGNATURE}  canary:\n    repository: s3://models/whisper/v9\n    weight: 10\n`, store);
    expect(r.shown).toEqual([
      '12:17 release-missing: release s3://models/whisper/v9/ is not in the bucket: listing it on https://s3.example.com:443 found nothing [did you mean s3://models/whisper/v1? s3://models/whisper/ holds v1, v2; upload the release, or point `repository` at one of them]',
    ]);
    expect(r.releases).toBe(2);
    const shared = bucket();
    const s = await check(`${SIGNATURE}  canary:\n    image: nvcr.io/nvidia/tritonserver:24.11-py3\n    weight: 10\n`, shared);
    expect(s.shown).toEqual([]);
    expect(s.releases).toBe(1);
    expect(shared.calls.filter((c) => c === 'list models/whisper/v1/')).toHaveLength(1);
    expect(shared.calls.filter((c) => c.startsWith('get '))).toHaveLength(1);
  });

  it('checks only the files asked for', async () => {
    const result = loaded('');
    const r = await checkReleases({ environments: result.environments, store: new MemoryStore(), files: new Set() });
    expect(r).toMatchObject({ diagnostics: [], models: 0, releases: 0 });
  });

  it('reports an unreachable endpoint once, at the environment, as an error', async () => {
    const store = bucket();
    store.down = new StoreUnavailable('https://s3.example.com:443', 'connection refused', 'check the endpoint and your network');
    const r = await check(`${SIGNATURE}  canary:\n    repository: s3://models/whisper/v2\n    weight: 10\n`, store);
    expect(r.diagnostics.map((d) => [d.file, d.line, d.code, d.severity, d.message, d.hint])).toEqual([
      [
        'environments/test/environment.yaml',
        9,
        's3-unavailable',
        'error',
        'S3 at https://s3.example.com:443 cannot be read: connection refused; the releases on it were not checked',
        'check the endpoint and your network',
      ],
    ]);
    // The second release is not asked for once the endpoint failed.
    expect(store.calls.length).toBeLessThanOrEqual(2);
  });
});

describe('describeRelease', () => {
  it('reads the models, their signatures with the batch dimension, the backends and the GPUs', async () => {
    const store = bucket().put('models/whisper/v1/llama/config.pbtxt', VLLM_CONFIG).put('models/whisper/v1/llama/1/model.json', '{}');
    const read = await describeRelease(store, { bucket: 'models', prefix: 'whisper/v1' });
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.description.models).toEqual(['llama', 'whisper']);
    expect(read.description.signatures.get('whisper')).toEqual({
      inputs: ['{ name: AUDIO, datatype: FP16, shape: [-1, -1] }'],
      outputs: ['{ name: TEXT, datatype: BYTES, shape: [-1, 1] }'],
    });
    expect(read.description.unsigned.get('llama')).toMatch(/declares no inputs/);
    expect(read.description.variant).toBe('vllm-python-py3');
    expect(read.description.gpu).toEqual({ models: ['llama', 'whisper'], gpus: 2 });
  });

  it('lists every problem of a release a spec could not use', async () => {
    const store = new MemoryStore().put('models/x/v1/a/config.pbtxt', WHISPER_CONFIG.replace('"whisper"', '"a"'));
    expect(await describeRelease(store, { bucket: 'models', prefix: 'x/v1' })).toEqual({
      ok: false,
      problems: ['s3://models/x/v1/a/ has no numeric version folder (such as s3://models/x/v1/a/1/)'],
    });
    expect(await describeRelease(store, { bucket: 'models', prefix: 'x/v2' })).toEqual({ ok: false, problems: ['nothing is stored under s3://models/x/v2/'] });
  });
});

describe('what a bucket can hide', () => {
  const PYTHON = (extra = '') => `name: "whisper"\nbackend: "python"${extra}\n`;

  it('reads a 1 MiB config built to make a pattern backtrack in well under a second', async () => {
    const text = `${'\n'.repeat(1024 * 1024 - 40)}backend: "python"\n`;
    const store = new MemoryStore().put('models/whisper/v1/whisper/config.pbtxt', text).put('models/whisper/v1/whisper/1/model.py', '#');
    const start = performance.now();
    const r = await check('', store);
    expect(performance.now() - start).toBeLessThan(1000);
    expect(r.shown).toEqual([]);
  });

  it('knows the Python backend loads default_model_filename, on any line of the config', async () => {
    const store = new MemoryStore()
      .put('models/whisper/v1/whisper/config.pbtxt', PYTHON(' default_model_filename: "main.py"'))
      .put('models/whisper/v1/whisper/1/main.py', '#');
    expect((await check('', store)).shown).toEqual([]);
    store.objects.delete('models/whisper/v1/whisper/1/main.py');
    store.put('models/whisper/v1/whisper/1/model.py', '#');
    expect((await check('', store)).shown).toEqual([
      '6:15 release-version-missing: model "whisper" runs on the python backend, which loads s3://models/whisper/v1/whisper/1/main.py: it does not exist [upload main.py into the newest version folder]',
    ]);
    const plain = new MemoryStore().put('models/whisper/v1/whisper/config.pbtxt', PYTHON()).put('models/whisper/v1/whisper/1/main.py', '#');
    expect((await check('', plain)).shown).toEqual([
      '6:15 release-version-missing: model "whisper" runs on the python backend, which loads s3://models/whisper/v1/whisper/1/model.py: it does not exist [upload model.py into the newest version folder]',
    ]);
  });

  it('reports folders it cannot name at `repository` when Triton would load them, escaped', async () => {
    const store = bucket().put('models/whisper/v1/bad name\u001b[31m/config.pbtxt', 'x').put('models/whisper/v1/~/1/x', 'x');
    const r = await check('', store);
    expect(r.shown).toEqual([
      '6:15 release-folder-name: release s3://models/whisper/v1/ holds 2 folders whose names are not a Triton model name tritonops can check (letters, digits, "_", "." and "-", at most 128): "bad name\\u001b[31m", "~"; Triton would load them unchecked [rename or remove them in a new release, or list the models Triton may load in `models`]',
    ]);
    expect(r.diagnostics[0]!.message).not.toContain('\u001b');
    // With `models`, Triton loads only those.
    expect((await check('  models: [whisper]\n', store)).shown).toEqual([]);
  });

  it('reports duplicate tensor names and negative GPU ids as config errors', async () => {
    const dup = bucket().put('models/whisper/v1/whisper/config.pbtxt', WHISPER_CONFIG.replace('"TEXT"', '"AUDIO"').replace('output [', 'input ['));
    expect((await check('', dup)).shown).toEqual([
      '6:15 release-config-invalid: s3://models/whisper/v1/whisper/config.pbtxt:5:9: input "AUDIO" is declared twice (first at 4:9); each input needs its own name [fix the file in the bucket and upload the release again (under a new path: the SFS cache keys on it)]',
    ]);
    const negative = bucket().put('models/whisper/v1/whisper/config.pbtxt', WHISPER_CONFIG.replace('gpus: [ 0, 1 ]', 'gpus: [ -1, -2 ]'));
    expect((await check('', negative)).shown[0]).toMatch(
      /config\.pbtxt:6:54: instance_group gpus: -1 is not a GPU; device ids are 0 or more \(and 1 more problem\)/,
    );
  });
});

describe('describeRelease: GPUs and names', () => {
  const at = { bucket: 'models', prefix: 'r/v1' };
  const TENSORRT = `platform: "tensorrt_plan"\nmax_batch_size: 8\ninput [ { name: "x", data_type: TYPE_FP32, dims: [ 3 ] } ]\noutput [ { name: "y", data_type: TYPE_FP32, dims: [ 3 ] } ]\n`;
  const ONNX_AUTO = TENSORRT.replace('tensorrt_plan', 'onnxruntime_onnx');

  it('counts a TensorRT plan as a GPU model, whatever its instance groups say', async () => {
    const store = new MemoryStore().put('models/r/v1/plan/config.pbtxt', TENSORRT).put('models/r/v1/plan/1/model.plan', 'x');
    const read = await describeRelease(store, at);
    expect(read.ok && read.description.gpu).toEqual({ models: ['plan'], gpus: 1 });
  });

  it('keeps a KIND_AUTO model of a GPU-capable backend on the CPU, and names it', async () => {
    const store = new MemoryStore()
      .put('models/r/v1/auto/config.pbtxt', ONNX_AUTO)
      .put('models/r/v1/auto/1/model.onnx', 'x')
      .put('models/r/v1/cpu/config.pbtxt', `${ONNX_AUTO}instance_group [ { kind: KIND_CPU } ]\n`)
      .put('models/r/v1/cpu/1/model.onnx', 'x');
    const read = await describeRelease(store, at);
    expect(read.ok && [read.description.gpu, read.description.gpuCapable, read.description.cpuOnly]).toEqual([undefined, ['auto'], false]);
  });

  it('refuses a release with folders `models` could not name', async () => {
    const store = new MemoryStore().put('models/r/v1/plan/config.pbtxt', TENSORRT).put('models/r/v1/plan/1/model.plan', 'x').put('models/r/v1/~/1/x', 'x');
    expect(await describeRelease(store, at)).toEqual({
      ok: false,
      problems: [
        's3://models/r/v1/ holds folders whose names are not Triton model names tritonops can write (letters, digits, "_", "." and "-", at most 128): "~"; rename or remove them',
      ],
    });
  });
});
