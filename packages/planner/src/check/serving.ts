/**
 * Local disk and streaming, shared by models and pipelines.
 *
 * - `resources.ephemeralStorage` is a size for a whole model repository: below 1Gi (a bare number
 *   counts bytes, `m` is milli) it is a slip of the unit, and as the limit it would evict the pod
 *   as soon as the download starts.
 * - A stream has no route timeout, so a timeout written beside `streaming` would silently do
 *   nothing, and a per-try timeout would cut every stream at its age.
 * - Streaming that cannot happen is warned about: under Flagger analysis gRPC is not routed (so
 *   `ModelStreamInfer` cannot reach the model), and a pipeline with remote steps calls them with
 *   unary HTTP requests, so it answers once. A pipeline whose steps are all local may stream (a
 *   decoupled local model in its ensemble), so this is a warning, not an error.
 */
import type { Diagnostic } from '../diagnostics.ts';
import type { DiagnosticCode } from '../diagnostic-codes.ts';
import { parseQuantity } from '../values/quantity.ts';
import type { DataPath, SourceFile } from '../load/source-file.ts';

/** The least local disk a size may give: a model repository is gigabytes. */
const MIN_EPHEMERAL_STORAGE = 2 ** 30;

interface ServingSpec {
  readonly resources: { readonly ephemeralStorage?: string | number };
  readonly traffic: { readonly streaming: boolean; readonly retries: { readonly perTryTimeout?: string } };
}

/** What a server is, for the checks that differ: a model (under analysis or not) or a pipeline and its steps that call models. */
export type ServerKind = { readonly kind: 'model'; readonly analysis: boolean } | { readonly kind: 'pipeline'; readonly remoteSteps: readonly string[] };

export function checkServingOptions(file: SourceFile, spec: ServingSpec, served: ServerKind): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (severity: Diagnostic['severity'], path: DataPath, code: DiagnosticCode, message: string, hint: string, at: 'key' | 'value' = 'value') =>
    out.push({ severity, code, file: file.path, ...file.locate(path, at), message, hint });

  const disk = spec.resources.ephemeralStorage;
  const bytes = disk !== undefined ? parseQuantity(disk) : undefined;
  if (disk !== undefined && bytes !== undefined) {
    const text = String(disk);
    const milli = text.endsWith('m');
    const unitless = /^[0-9.]+$/.test(text);
    if (milli || bytes < MIN_EPHEMERAL_STORAGE) {
      report(
        'error',
        ['spec', 'resources', 'ephemeralStorage'],
        'ephemeral-storage-size',
        milli
          ? `ephemeralStorage ${text} is ${text.slice(0, -1)} thousandths of a byte ("m" is milli, not mega)`
          : `ephemeralStorage ${text} is ${unitless ? `${bytes} bytes (a size without a unit counts bytes)` : 'less than 1Gi'}: too little for a model repository, which Triton downloads whole`,
        'use Gi, e.g. `50Gi`',
      );
    }
  }

  if (!spec.traffic.streaming) return out;
  if (file.has(['spec', 'traffic', 'timeout'])) {
    report(
      'error',
      ['spec', 'traffic', 'timeout'],
      'streaming-timeout',
      "a streaming server's routes carry no timeout: `traffic.timeout` would do nothing",
      'remove `timeout`, or `streaming` if responses must end within a time',
      'key',
    );
  }
  if (spec.traffic.retries.perTryTimeout !== undefined) {
    report(
      'error',
      ['spec', 'traffic', 'retries', 'perTryTimeout'],
      'streaming-per-try-timeout',
      `perTryTimeout ${spec.traffic.retries.perTryTimeout} would end every stream at that age`,
      'remove `perTryTimeout` (retries still only retry what never reached Triton)',
      'key',
    );
  }
  const streaming: DataPath = ['spec', 'traffic', 'streaming'];
  if (served.kind === 'model' && served.analysis) {
    report(
      'warning',
      streaming,
      'streaming-under-analysis',
      'under `canary.analysis` the model is served over HTTP only (Flagger pins its routes to port 8000, see docs/transitions.md, "gRPC and Flagger"): gRPC `ModelStreamInfer` cannot reach it, only HTTP `generate_stream` streams',
      'have clients stream over HTTP (`generate_stream`), or release with a static canary (`weight`, `header`) instead of `analysis` to keep gRPC',
      'key',
    );
  }
  if (served.kind === 'pipeline' && served.remoteSteps.length > 0) {
    report(
      'warning',
      streaming,
      'streaming-pipeline',
      `the pipeline calls the models of its steps (${served.remoteSteps.join(', ')}) with one unary HTTP request each and waits for the whole response: it answers once, after its last step, and \`streaming\` only takes the timeout off its routes`,
      'remove `streaming`, and let `traffic.timeout` bound a run; a caller that needs a stream calls the model itself',
      'key',
    );
  }
  return out;
}
