import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { patchYaml } from '../src/edit/yaml-patch.ts';

const BUNDLED = join(import.meta.dirname, '../../../test/fixtures/bundled/environments');
const files = readdirSync(BUNDLED, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const read = (rel: string) => readFileSync(join(BUNDLED, rel), 'utf8');
const SPEECH = read('production/pipelines/speech-to-image.yaml');
const CLASSIFY = read('dev/pipelines/image-classification.yaml');

type Any = any;
const clone = (value: unknown): Any => structuredClone(value);

/** Patches `text` to `edit(data)` and checks that the result reads back as that data. */
function edited(text: string, edit: (data: Any) => void): string {
  const target = clone(parse(text));
  edit(target);
  const result = patchYaml(text, target);
  if (!result.ok) throw new Error(`${result.problem}: ${result.hint}`);
  expect(parse(result.text)).toEqual(target);
  return result.text;
}

/** The lines of `before` that `after` lacks, and the lines of `after` that `before` lacks (a line diff by common prefix and suffix). */
function changedLines(before: string, after: string): { removed: string[]; added: string[] } {
  const [a, b] = [before.split('\n'), after.split('\n')];
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  return { removed: a.slice(head, a.length - tail), added: b.slice(head, b.length - tail) };
}

const commentLines = (text: string) => text.split('\n').filter((l) => l.includes('#'));

describe('patchYaml', () => {
  it.each(files)('leaves %s byte for byte when the data is the same', (file) => {
    const text = read(file);
    expect(patchYaml(text, parse(text))).toEqual({ ok: true, text });
  });

  it("changes a step's timeout in place: the end-of-line comment stays after the new value", () => {
    const text = edited(SPEECH, (d) => (d.spec.steps[1].timeoutSeconds = 180));
    expect(changedLines(SPEECH, text)).toEqual({
      removed: ['      timeoutSeconds: 120          # an image takes tens of seconds'],
      added: ['      timeoutSeconds: 180          # an image takes tens of seconds'],
    });
  });

  it('adds a step after the last one, in the block style of its siblings', () => {
    const text = edited(SPEECH, (d) => d.spec.steps.push({ name: 'upscale', model: 'esrgan', inputs: { LOW: 'draw.IMAGE' }, timeoutSeconds: 30 }));
    expect(changedLines(SPEECH, text)).toEqual({
      removed: [],
      added: ['    - name: upscale', '      model: esrgan', '      inputs:', '        LOW: draw.IMAGE', '      timeoutSeconds: 30'],
    });
    expect(commentLines(text)).toEqual(commentLines(SPEECH));
  });

  it('inserts a step where `next` puts it, between its neighbours', () => {
    const text = edited(CLASSIFY, (d) => d.spec.steps.splice(1, 0, { name: 'crop', local: 'crop', inputs: { PIXELS: 'preprocess.PIXELS' } }));
    expect(changedLines(CLASSIFY, text).removed).toEqual([]);
    expect(changedLines(CLASSIFY, text).added).toEqual(['    - name: crop', '      local: crop', '      inputs:', '        PIXELS: preprocess.PIXELS']);
  });

  it('removes a step: only its lines go', () => {
    const text = edited(CLASSIFY, (d) => d.spec.steps.splice(1, 1));
    expect(changedLines(CLASSIFY, text)).toEqual({
      removed: ['    - name: classify', '      model: densenet', '      inputs:', '        data_0: preprocess.PIXELS'],
      added: [],
    });
  });

  it("removes the step with the timeout: the comment on the step's lines goes with it, every other comment stays", () => {
    const text = edited(SPEECH, (d) => d.spec.steps.pop());
    expect(commentLines(text)).toEqual(commentLines(SPEECH).filter((l) => !l.includes('tens of seconds')));
  });

  it("adds an input mapping to a step's inputs", () => {
    const text = edited(SPEECH, (d) => (d.spec.steps[1].inputs.NEGATIVE = 'transcribe.TEXT'));
    expect(changedLines(SPEECH, text)).toEqual({ removed: [], added: ['        NEGATIVE: transcribe.TEXT'] });
  });

  it("changes a tensor's shape inside a flow map: only that list is written again, in flow style", () => {
    const text = edited(SPEECH, (d) => (d.spec.outputs[0].shape = [-1, -1, 4, 2]));
    expect(changedLines(SPEECH, text)).toEqual({
      removed: ['    - { name: IMAGE, datatype: UINT8, shape: [-1, -1, 3], from: draw.IMAGE }'],
      added: ['    - { name: IMAGE, datatype: UINT8, shape: [-1, -1, 4, 2], from: draw.IMAGE }'],
    });
    const same = edited(SPEECH, (d) => (d.spec.outputs[0].shape = [-1, -1, 4]));
    expect(changedLines(SPEECH, same).added).toEqual(['    - { name: IMAGE, datatype: UINT8, shape: [-1, -1, 4], from: draw.IMAGE }']);
  });

  it('adds an output as a flow map like its siblings, and removes one', () => {
    const added = edited(SPEECH, (d) => d.spec.outputs.push({ name: 'SCORE', datatype: 'FP32', shape: [1], from: 'draw.SCORE' }));
    expect(changedLines(SPEECH, added)).toEqual({ removed: [], added: ['    - { name: SCORE, datatype: FP32, shape: [1], from: draw.SCORE }'] });
    const removed = edited(SPEECH, (d) => d.spec.outputs.shift());
    expect(changedLines(SPEECH, removed)).toEqual({
      removed: ['    - { name: IMAGE, datatype: UINT8, shape: [-1, -1, 3], from: draw.IMAGE }'],
      added: [],
    });
  });

  it("adds a key where `next` puts it, at the map's indentation", () => {
    const text = edited(CLASSIFY, (d) => {
      d.spec = { image: 'nvcr.io/nvidia/tritonserver:24.10-py3', ...d.spec, concurrency: 16 };
    });
    expect(text).toContain('spec:\n  image: nvcr.io/nvidia/tritonserver:24.10-py3\n  localRepository:');
    expect(text.endsWith('        SCORES: classify.fc6_1\n  concurrency: 16\n')).toBe(true);
    // Two lines inserted, nothing else changed.
    expect(text.replace('  image: nvcr.io/nvidia/tritonserver:24.10-py3\n', '').replace('  concurrency: 16\n', '')).toBe(CLASSIFY);
  });

  it('adds a map value in block style, with short scalar lists in flow style', () => {
    const text = edited(SPEECH, (d) => (d.spec.resources = { cpu: '4', memory: '8Gi' }));
    expect(text.endsWith('      pendingRequests: 16\n  resources:\n    cpu: "4"\n    memory: 8Gi\n')).toBe(true);
    const auth = edited(SPEECH, (d) => (d.spec.auth = { roles: ['speech-users'] }));
    expect(auth).toContain('  auth:\n    roles: [speech-users]\n');
  });

  it('adds a signature whose tensors are flow maps like the other signatures', () => {
    const text = edited(CLASSIFY, (d) => {
      d.spec.signatures.crop = {
        inputs: [{ name: 'PIXELS', datatype: 'FP32', shape: [3, 224, 224] }],
        outputs: [{ name: 'CROPPED', datatype: 'FP32', shape: [3, 200, 200] }],
      };
    });
    expect(changedLines(CLASSIFY, text).added).toEqual([
      '    crop:',
      '      inputs:',
      '        - { name: PIXELS, datatype: FP32, shape: [3, 224, 224] }',
      '      outputs:',
      '        - { name: CROPPED, datatype: FP32, shape: [3, 200, 200] }',
    ]);
  });

  it('removes metadata.labels', () => {
    const text = edited(SPEECH, (d) => delete d.metadata.labels);
    expect(changedLines(SPEECH, text)).toEqual({ removed: ['  labels:', '    team: speech'], added: [] });
  });

  it('removes a key with the comment lines above it, and a key of a flow map with its comma', () => {
    const text = 'a: 1\n# about b\nb: 2   # two\nc: { x: 1, y: 2, z: 3 }\n';
    expect(patchYaml(text, { a: 1, c: { x: 1, y: 2, z: 3 } })).toEqual({ ok: true, text: 'a: 1\nc: { x: 1, y: 2, z: 3 }\n' });
    expect(patchYaml(text, { a: 1, b: 2, c: { x: 1, z: 3 } })).toEqual({ ok: true, text: 'a: 1\n# about b\nb: 2   # two\nc: { x: 1, z: 3 }\n' });
    expect(patchYaml(text, { a: 1, b: 2, c: { x: 1, y: 2 } })).toEqual({ ok: true, text: 'a: 1\n# about b\nb: 2   # two\nc: { x: 1, y: 2 }\n' });
    expect(patchYaml(text, { a: 1, b: 2, c: { x: 1, y: 2, z: 3, w: 4 } })).toEqual({
      ok: true,
      text: 'a: 1\n# about b\nb: 2   # two\nc: { x: 1, y: 2, z: 3, w: 4 }\n',
    });
  });

  it('writes scalars as YAML would read them back: old quotes kept, misreadable strings quoted', () => {
    const text = 'a: \'x\'\nb: "y"\nc: z\nd: 1\n';
    const result = patchYaml(text, { a: "it's", b: 'w', c: 'true', d: 'a: b' });
    expect(result).toEqual({ ok: true, text: 'a: \'it\'\'s\'\nb: "w"\nc: "true"\nd: "a: b"\n' });
    expect(patchYaml('a: x\n', { a: '' })).toEqual({ ok: true, text: 'a: ""\n' });
    expect(patchYaml('a: x\n', { a: '# no' })).toEqual({ ok: true, text: 'a: "# no"\n' });
    expect(patchYaml('a: x\n', { a: 3 })).toEqual({ ok: true, text: 'a: 3\n' });
    expect(patchYaml('a: x\n', { a: 's3://models/a/v2' })).toEqual({ ok: true, text: 'a: s3://models/a/v2\n' });
  });

  it('rewrites a value whose type changes, indented for its place', () => {
    expect(patchYaml('a:\n  b: 1 # one\nc: 2\n', { a: { b: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] }, c: 2 })).toEqual({
      ok: true,
      text: `a:\n  b: # one\n${Array.from({ length: 15 }, (_, i) => `    - ${i + 1}\n`).join('')}c: 2\n`,
    });
    expect(patchYaml('a:   # note\n  b: 1\nc: 2\n', { a: 5, c: 2 })).toEqual({ ok: true, text: 'a: 5   # note\nc: 2\n' });
    expect(patchYaml('s:\n  - x\n  - y\n', { s: ['x', { k: 'v', l: 'w' }] })).toEqual({ ok: true, text: 's:\n  - x\n  - k: v\n    l: w\n' });
  });

  it('refuses invalid YAML and files of several documents', () => {
    expect(patchYaml('a: [1\n', { a: 1 })).toMatchObject({ ok: false, problem: expect.stringContaining('not valid YAML') });
    expect(patchYaml('a: 1\n---\nb: 2\n', { a: 1 })).toMatchObject({ ok: false, problem: expect.stringContaining('2 YAML documents') });
  });

  it('rewrites reordered named items rather than giving wrong data', () => {
    const text = edited(CLASSIFY, (d) => d.spec.steps.reverse());
    expect(parse(text).spec.steps.map((s: Any) => s.name)).toEqual(['postprocess', 'classify', 'preprocess']);
  });

  // ---- random edits ----

  const specFiles = files.filter((f) => f.includes('/pipelines/') || f.includes('/models/'));
  /** Every path to a value of `data`. */
  function paths(data: unknown, at: (string | number)[] = []): (string | number)[][] {
    if (Array.isArray(data)) return [at, ...data.flatMap((v, i) => paths(v, [...at, i]))];
    if (typeof data === 'object' && data !== null) return [at, ...Object.entries(data).flatMap(([k, v]) => paths(v, [...at, k]))];
    return [at];
  }
  const scalar = fc.oneof(
    fc.integer({ min: -5, max: 500 }),
    fc.boolean(),
    fc.constantFrom('true', '1', '', 'a: b', '# x', '- y', 'plain', "it's", 'input.AUDIO', 'x, y', '{z}', 'null', '24.10'),
  );
  const edit = fc.record({
    kind: fc.constantFrom('scalar', 'addKey', 'removeKey', 'addItem', 'removeItem'),
    pick: fc.nat(),
    key: fc.constantFrom('extra', 'timeoutSeconds', 'note', 'zeta'),
    value: fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(fc.constantFrom('p', 'q'), scalar)),
  });

  it('applies random edits of the bundled specs: the result reads back as the target data', () => {
    fc.assert(
      fc.property(fc.constantFrom(...specFiles), fc.array(edit, { minLength: 1, maxLength: 4 }), (file, edits) => {
        const text = read(file);
        const target = clone(parse(text));
        for (const e of edits) {
          const all = paths(target).filter((p) => p.length > 0);
          const at = all[e.pick % all.length]!;
          const parent = at.slice(0, -1).reduce((o: Any, k) => o[k], target);
          const last = at[at.length - 1]!;
          const value = parent[last];
          if (e.kind === 'scalar' && (typeof value !== 'object' || value === null)) parent[last] = e.value;
          else if (e.kind === 'addKey' && typeof value === 'object' && value !== null && !Array.isArray(value)) value[e.key] = e.value;
          else if (e.kind === 'removeKey' && !Array.isArray(parent) && at.length > 1) delete parent[last];
          else if (e.kind === 'addItem' && Array.isArray(value)) {
            const named = value.every((v) => typeof v?.name === 'string');
            value.splice(e.pick % (value.length + 1), 0, named ? { name: `n${e.pick}`, datatype: 'FP32', shape: [1] } : e.value);
          } else if (e.kind === 'removeItem' && Array.isArray(value) && value.length > 1) value.splice(e.pick % value.length, 1);
        }
        const result = patchYaml(text, target);
        if (!result.ok) throw new Error(result.problem);
        const docs = parseAllDocuments(result.text);
        expect(Array.isArray(docs) && docs.length === 1 && docs[0]!.errors.length === 0).toBe(true);
        expect(parse(result.text)).toEqual(target);
      }),
      { numRuns: 200 },
    );
  });
});
