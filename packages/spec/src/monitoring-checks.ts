/**
 * The Prometheus every alert, autoscaler, dashboard and Flagger analysis reads. Without a volume
 * it keeps its samples in an emptyDir, and every restart (a node drain, an upgrade of the chart)
 * loses the history and the pending state of alerts (`for`). The last environment of a promotion
 * chain is the one that serves (production): it is warned when it declares no storage.
 */
import { parse } from 'yaml';
import type { Diagnostic } from './diagnostics.ts';
import { ENVIRONMENT_FILE, ENVIRONMENTS_DIR, type LoadedEnvironment, type SpecSource } from './load.ts';
import { parseQuantity } from './quantity.ts';
import { formatBytes } from './semantic.ts';
import { MAX_FILE_BYTES } from './source-file.ts';

/**
 * `promotedFrom` of every environment of the repository, by name: from the specs this run loaded,
 * and for the others (a run limited to some environments) read from their environment.yaml. An
 * environment whose file cannot be read or parsed counts as promoted from nowhere.
 */
export function promotionSources(all: readonly string[], loaded: readonly LoadedEnvironment[], source: SpecSource): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const name of all) {
    const env = loaded.find((e) => e.name === name);
    if (env) {
      out.set(name, env.environment?.value.spec.promotedFrom);
      continue;
    }
    try {
      const data = parse(Buffer.from(source.read(`${ENVIRONMENTS_DIR}/${name}/${ENVIRONMENT_FILE}`, MAX_FILE_BYTES)).toString('utf8'), { logLevel: 'error' }) as { spec?: { promotedFrom?: unknown } } | null;
      const from = data?.spec?.promotedFrom;
      out.set(name, typeof from === 'string' ? from : undefined);
    } catch {
      out.set(name, undefined);
    }
  }
  return out;
}

/** Prometheus' base-2 byte sizes (`KB` is 1024 bytes, as `KiB`). */
const BYTE_UNITS: Record<string, number> = { B: 1, KB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40, PB: 2 ** 50, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40, PiB: 2 ** 50 };

export function parseByteSize(text: string): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)([A-Za-z]+)$/.exec(text);
  const unit = m ? BYTE_UNITS[m[2]!] : undefined;
  return m && unit !== undefined ? Number(m[1]) * unit : undefined;
}

/** Room the write-ahead log and compactions need beyond `retentionSize` on the volume. */
const HEADROOM = 0.1;

export function checkPrometheusStorage(env: LoadedEnvironment, promotedFrom: ReadonlyMap<string, string | undefined>): Diagnostic[] {
  const loaded = env.environment;
  if (!loaded) return [];
  const { file, value } = loaded;
  const spec = value.spec;
  const prometheus = spec.monitoring.prometheus;
  const out: Diagnostic[] = [];
  const warn = (path: (string | number)[], code: string, message: string, hint: string, at: 'key' | 'value' = 'value') =>
    out.push({ severity: 'warning', code, file: file.path, ...file.locate(path, at), message, hint });

  const storage = prometheus.storage;
  if (storage && parseQuantity(storage.size) === 0) {
    out.push({ severity: 'error', code: 'invalid-quantity', file: file.path, ...file.locate(['spec', 'monitoring', 'prometheus', 'storage', 'size']), message: 'the size of Prometheus\' volume must be more than 0', hint: 'for example `100Gi`' });
  }
  const volume = storage ? parseQuantity(storage.size) : undefined;
  const limit = prometheus.retentionSize !== undefined ? parseByteSize(prometheus.retentionSize) : undefined;
  if (volume && limit !== undefined && limit > volume * (1 - HEADROOM)) {
    warn(
      ['spec', 'monitoring', 'prometheus', 'retentionSize'],
      'retention-size-over-volume',
      `retentionSize ${prometheus.retentionSize} leaves less than ${HEADROOM * 100}% of the ${storage!.size} volume for the write-ahead log and compactions: the volume fills up before old samples go, and Prometheus stops ingesting`,
      `set retentionSize to about 85% of storage.size, e.g. ${formatBytes(volume * 0.85).replace(/i$/, '')}B`,
    );
  }

  // The end of a promotion chain: promoted from somewhere, and no environment promoted from it.
  const from = spec.promotedFrom;
  const last = from !== undefined && ![...promotedFrom].some(([name, source]) => source === env.name && name !== env.name);
  if (last && !storage) {
    const chain = [env.name];
    for (let at: string | undefined = from; at !== undefined && !chain.includes(at) && chain.length < 10; at = promotedFrom.get(at)) chain.unshift(at);
    const path = ['spec', 'monitoring', 'prometheus'].filter((_, i, all) => file.has(all.slice(0, i + 1)));
    warn(
      ['spec', ...path.slice(1)],
      'prometheus-without-storage',
      `environment "${env.name}" ends its promotion chain (${chain.join(' → ')}) but keeps Prometheus on an emptyDir: every restart of Prometheus loses the metrics history and the pending state of alerts`,
      'declare `monitoring: { prometheus: { storage: { size: 100Gi, storageClass: <a block-storage class> } } }`',
      'key',
    );
  }
  return out;
}
