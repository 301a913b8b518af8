import { describe, expect, it } from 'vitest';
import { MANAGED_FLAGS, parseTritonArgs, TRITON_OPTIONS } from '../src/check/triton-flags.ts';

const picked = (args: string[]) => parseTritonArgs(args).map((p) => (p.ok ? `${p.option}=${p.value ?? ''}` : `! ${p.problem}`));

describe("tritonserver's command line, read as getopt_long reads it", () => {
  it('takes an exact name, or a prefix of exactly one option, as that option', () => {
    expect(picked(['--log-verbose=1', '--log-verb=2', '--model-repo=s3://x', '--allow-metric=false', '--http-p=9000'])).toEqual([
      'log-verbose=1',
      'log-verbose=2',
      'model-repository=s3://x',
      'allow-metrics=false',
      'http-port=9000',
    ]);
  });

  it('treats the alias model-store as model-repository, also where a prefix matches both', () => {
    expect(picked(['--model-store=/a'])).toEqual(['model-repository=/a']);
    // `--model-st` and `--model-re` each match one name; both are the same option.
    expect(picked(['--model-st=/a', '--model-re=/b'])).toEqual(['model-repository=/a', 'model-repository=/b']);
  });

  it('refuses a prefix of several options, unknown options, and values where none or one is due', () => {
    expect(picked(['--model-load=2'])[0]).toMatch(
      /^! --model-load is ambiguous: tritonserver would not start \(it could be --model-load-thread-count, --model-load-retry-count, --model-load-gpu-limit\)$/,
    );
    expect(picked(['--no-such-flag=1'])).toEqual(['! --no-such-flag is not a tritonserver option']);
    expect(picked(['--disable-auto-complete-config=true'])).toEqual(['! --disable-auto-complete-config takes no value']);
    expect(picked(['--log-file'])).toEqual(['! --log-file needs a value']);
  });

  it('takes the next argument as the value of an option written without `=`', () => {
    expect(picked(['--exit-timeout-secs', '--log-info=true', '--log-error=true'])).toEqual(['exit-timeout-secs=--log-info=true', 'log-error=true']);
  });

  it('manages only options that exist', () => {
    const names = new Set(TRITON_OPTIONS.map((o) => o.name));
    for (const flag of Object.keys(MANAGED_FLAGS)) expect(names.has(flag), flag).toBe(true);
  });
});
