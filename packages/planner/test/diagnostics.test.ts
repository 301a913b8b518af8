import { describe, expect, it } from 'vitest';
import { DiagnosticBag, formatDiagnostic, type Diagnostic } from '../src/diagnostics.ts';
import { didYouMean } from '../src/did-you-mean.ts';

const d = (file: string, line: number, col: number, message = 'm'): Diagnostic => ({
  severity: 'error',
  code: 'unknown-key',
  file,
  line,
  col,
  length: 3,
  message,
});

describe('diagnostics', () => {
  it('prints file:line:col, the source line with a caret under the span, and the hint', () => {
    const text = 'spec:\n  replica: 2\n';
    expect(formatDiagnostic({ ...d('m.yaml', 2, 3, 'unknown key "replica" in spec'), length: 7, hint: 'did you mean "replicas"?' }, text)).toBe(
      ['m.yaml:2:3: error: unknown key "replica" in spec', '  |', '2 |   replica: 2', '  |   ^^^^^^^', '  = hint: did you mean "replicas"?'].join('\n'),
    );
  });

  it('sorts by file and position and drops exact duplicates, whatever the order they were found in', () => {
    const bag = new DiagnosticBag();
    bag.addAll([d('b.yaml', 1, 1), d('a.yaml', 10, 2), d('a.yaml', 2, 5), d('a.yaml', 2, 5)]);
    expect(bag.sorted().map((x) => `${x.file}:${x.line}:${x.col}`)).toEqual(['a.yaml:2:5', 'a.yaml:10:2', 'b.yaml:1:1']);
  });

  it('suggests close names, abbreviations and case slips, and nothing for unrelated input', () => {
    expect(didYouMean('replica', ['replicas', 'resources'])).toBe('replicas');
    expect(didYouMean('prod', ['dev', 'production', 'staging'])).toBe('production');
    expect(didYouMean('GpuPool', ['gpuPool', 'gpus'])).toBe('gpuPool');
    expect(didYouMean('banana', ['replicas', 'resources'])).toBeUndefined();
  });
});
