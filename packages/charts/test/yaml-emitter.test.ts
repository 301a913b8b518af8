import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toYaml } from '../src/yaml-emitter.ts';

describe('the YAML emitter', () => {
  it('writes the familiar block style', () => {
    expect(
      toYaml({
        apiVersion: 'v1',
        kind: 'Service',
        spec: { ports: [{ name: 'http', port: 8000 }], selector: { 'app.kubernetes.io/name': 'x' }, empty: {}, none: [] },
      }),
    ).toBe(
      [
        'apiVersion: v1',
        'kind: Service',
        'spec:',
        '  ports:',
        '    - name: http',
        '      port: 8000',
        '  selector:',
        '    app.kubernetes.io/name: x',
        '  empty: {}',
        '  none: []',
        '',
      ].join('\n'),
    );
  });

  it('quotes every string a YAML reader could take for something else', () => {
    for (const s of [
      'true',
      'no',
      'on',
      'y',
      'null',
      '~',
      '8002',
      '1.5',
      '1e3',
      '0x1F',
      '0o17',
      '.inf',
      '12:30',
      '2024-11-02',
      '',
      ' lead',
      'trail ',
      'a: b',
      '#x',
      '- x',
      '*a',
      '&a',
      '!t',
      '[x]',
      '{x}',
      '"q"',
      "'q'",
      '%x',
      '@x',
      '`x`',
      '|',
      '>',
      'a #b',
    ]) {
      expect(parse(toYaml({ k: s })), JSON.stringify(s)).toEqual({ k: s });
      expect(toYaml({ k: s }), JSON.stringify(s)).not.toBe(`k: ${s}\n`);
    }
    expect(toYaml({ url: 'ssh://git@git.example.com/a.git', image: 'nvcr.io/nvidia/tritonserver:24.10-py3' })).toBe(
      'url: ssh://git@git.example.com/a.git\nimage: nvcr.io/nvidia/tritonserver:24.10-py3\n',
    );
  });

  it('writes multi-line text as literal blocks that read back exactly', () => {
    for (const text of ['set -eu\necho hi\n', 'no newline at end\nsecond', 'two trailing\n\n', 'with  inner\n\n  indented\nlines\n']) {
      const yaml = toYaml({ script: text });
      expect(yaml.startsWith('script: |')).toBe(true);
      expect(parse(yaml)).toEqual({ script: text });
    }
  });

  it('reads back exactly, for any JSON data', () => {
    const key = fc.string({ minLength: 1, maxLength: 12 });
    const leaf = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constantFrom('true', '0', 'a: b', 'x\ny\n', '- z', ' '),
    );
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('tree'), { maxLength: 4 }), fc.dictionary(key, tie('tree'), { maxKeys: 4 })),
    }));
    fc.assert(
      fc.property(fc.dictionary(key, tree, { maxKeys: 5 }), (data) => {
        expect(parse(toYaml(data as Record<string, unknown>))).toEqual(JSON.parse(JSON.stringify(data)));
      }),
      { numRuns: 500, seed: 7 },
    );
  });
});
