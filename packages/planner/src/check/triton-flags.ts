/**
 * tritonserver's command line, read the way tritonserver reads it: glibc's `getopt_long` with no
 * short options. That matters for safety: getopt_long accepts any unambiguous prefix of a long
 * option (`--model-repo=` is `--model-repository=`), and an option that takes a value takes the
 * next argument when it has no `=` — so comparing flag names as written would let a spec
 * override what tritonops manages.
 *
 * The option table follows tritonserver's `src/command_line_parser.cc` (server r25.04, plus the
 * two options added after it); every option there takes a value except `help` and
 * `disable-auto-complete-config`. `model-store` is an alias of `model-repository` (same option
 * id), which getopt_long treats as one option when a prefix matches both.
 */

interface TritonOption {
  readonly name: string;
  readonly takesValue: boolean;
  /** Options with the same id are one option to getopt_long (aliases). */
  readonly id: string;
}

const NO_VALUE = new Set(['help', 'disable-auto-complete-config']);
const ALIASES: Record<string, string> = { 'model-store': 'model-repository' };

const NAMES = `help id exit-timeout-secs log-verbose log-info log-warning log-error log-format log-file
model-store model-repository exit-on-error disable-auto-complete-config strict-readiness
model-control-mode repository-poll-secs load-model model-config-name model-load-thread-count
model-load-retry-count model-namespacing enable-peer-access allow-http http-address http-port
reuse-http-port http-header-forward-pattern http-thread-count http-restricted-api
http-max-input-size allow-grpc grpc-address grpc-port reuse-grpc-port grpc-header-forward-pattern
grpc-infer-thread-count grpc-infer-allocation-pool-size grpc-max-response-pool-size grpc-use-ssl
grpc-use-ssl-mutual grpc-server-cert grpc-server-key grpc-root-cert
grpc-infer-response-compression-level grpc-keepalive-time grpc-keepalive-timeout
grpc-keepalive-permit-without-calls grpc-http2-max-pings-without-data
grpc-http2-min-recv-ping-interval-without-data grpc-http2-max-ping-strikes
grpc-max-connection-age grpc-max-connection-age-grace grpc-restricted-protocol allow-sagemaker
sagemaker-port sagemaker-safe-port-range sagemaker-thread-count allow-vertex-ai vertex-ai-port
vertex-ai-thread-count vertex-ai-default-model allow-metrics allow-gpu-metrics allow-cpu-metrics
metrics-address metrics-port metrics-interval-ms metrics-config trace-config backend-directory
backend-config repoagent-directory cache-config cache-directory rate-limit rate-limit-resource
pinned-memory-pool-byte-size cuda-memory-pool-byte-size cuda-virtual-address-size
min-supported-compute-capability buffer-manager-thread-count host-policy model-load-gpu-limit
allow-client-shm strict-model-config response-cache-byte-size trace-file trace-level trace-rate
trace-count trace-log-frequency`;

/** In tritonserver's order: on an alias tie getopt_long takes the first. */
export const TRITON_OPTIONS: readonly TritonOption[] = NAMES.split(/\s+/).map((name) => ({ name, takesValue: !NO_VALUE.has(name), id: ALIASES[name] ?? name }));

const SAME_SERVER = 'the ports are fixed (http 8000, grpc 8001, metrics 8002) and bound on every address, so that Services, probes and monitors match';
const TRACING = "set `tracing` in environment.yaml (and `tracing.samplingPercent` on the model): traces go to the environment's collector";

/** tritonserver options tritonops sets itself, and where the user controls them instead. */
export const MANAGED_FLAGS: Readonly<Record<string, string>> = {
  'model-repository': 'set `repository` (and `cache`)',
  'model-control-mode': 'list the models to load in `models`',
  'load-model': 'list the models to load in `models`',
  'http-port': SAME_SERVER,
  'grpc-port': SAME_SERVER,
  'metrics-port': SAME_SERVER,
  'http-address': SAME_SERVER,
  'grpc-address': SAME_SERVER,
  'metrics-address': SAME_SERVER,
  'allow-metrics': 'metrics are always on: the platform scales and alerts on them',
  'allow-gpu-metrics': 'GPU metrics follow `gpuPool`: on for GPU models, off for CPU-only ones',
  'allow-http': 'HTTP serves the health probes and must stay on',
  'allow-grpc': 'gRPC is part of every endpoint and must stay on',
  'exit-timeout-secs': 'set `terminationGracePeriodSeconds`; the exit timeout is derived from it',
  'trace-config': TRACING,
  'trace-file': TRACING,
  'trace-level': TRACING,
  'trace-rate': TRACING,
  'trace-count': TRACING,
  'trace-log-frequency': TRACING,
};

export type ParsedFlag =
  | { readonly ok: true; readonly index: number; readonly option: string; readonly written: string; readonly value?: string }
  | { readonly ok: false; readonly index: number; readonly problem: string; readonly hint: string; readonly candidates?: readonly string[] };

/**
 * Reads `args` as tritonserver would, after the arguments tritonops puts first (which all carry
 * their value after `=`). Each result names the option getopt_long would pick, or why it would
 * not start (unknown, ambiguous, missing or unexpected value).
 */
export function parseTritonArgs(args: readonly string[]): ParsedFlag[] {
  const out: ParsedFlag[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--') || arg === '--') {
      out.push({ ok: false, index: i, problem: `"${arg}" is not a tritonserver option`, hint: 'write each option as `--option=value`' });
      continue;
    }
    const eq = arg.indexOf('=');
    const written = arg.slice(2, eq < 0 ? undefined : eq);
    const exact = TRITON_OPTIONS.find((o) => o.name === written);
    const prefixed = TRITON_OPTIONS.filter((o) => o.name.startsWith(written));
    const distinct = [...new Set(prefixed.map((o) => `${o.id}\0${o.takesValue}`))];
    const option = exact ?? (distinct.length === 1 ? prefixed[0] : undefined);
    if (!option) {
      out.push(
        prefixed.length === 0
          ? {
              ok: false,
              index: i,
              problem: `--${written} is not a tritonserver option`,
              hint: 'see `tritonserver --help` for its options',
              candidates: TRITON_OPTIONS.map((o) => o.name),
            }
          : {
              ok: false,
              index: i,
              problem: `--${written} is ambiguous: tritonserver would not start (it could be ${prefixed.map((o) => `--${o.name}`).join(', ')})`,
              hint: 'write the option in full',
            },
      );
      continue;
    }
    if (!option.takesValue) {
      if (eq >= 0) out.push({ ok: false, index: i, problem: `--${option.name} takes no value`, hint: `write --${option.name}` });
      else out.push({ ok: true, index: i, option: option.id, written });
      continue;
    }
    if (eq >= 0) {
      out.push({ ok: true, index: i, option: option.id, written, value: arg.slice(eq + 1) });
    } else if (i + 1 < args.length) {
      // getopt_long takes the next argument as the value, whatever it looks like.
      out.push({ ok: true, index: i, option: option.id, written, value: args[i + 1]! });
      i++;
    } else {
      out.push({ ok: false, index: i, problem: `--${option.name} needs a value`, hint: `write --${option.name}=<value>` });
    }
  }
  return out;
}
