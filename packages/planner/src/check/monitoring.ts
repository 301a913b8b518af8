/**
 * The Prometheus every alert, autoscaler, dashboard and Flagger analysis reads. Without a volume
 * it keeps its samples in an emptyDir, and every restart (a node drain, an upgrade of the chart)
 * loses the history and the pending state of alerts (`for`). The last environment of a promotion
 * chain is the one that serves (production): it is warned when it declares no storage. Limits
 * Prometheus would not start with (a retention past its int64 durations) or would read otherwise
 * (a retentionSize of 0 is none) are errors, and a retentionSize that leaves the volume no room
 * for compactions a warning.
 */
import { parse } from 'yaml';
import { type Diagnostic } from '../diagnostics.ts';
import { reporter } from '../report.ts';
import type { DiagnosticCode } from '../diagnostic-codes.ts';
import { ENVIRONMENT_FILE, ENVIRONMENTS_DIR, type LoadedEnvironment, type SpecSource } from '../load/read-specs.ts';
import { parseQuantity } from '../values/quantity.ts';
import { MAX_FILE_BYTES } from '../load/source-file.ts';

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
      const data = parse(Buffer.from(source.read(`${ENVIRONMENTS_DIR}/${name}/${ENVIRONMENT_FILE}`, MAX_FILE_BYTES)).toString('utf8'), {
        logLevel: 'error',
      }) as { spec?: { promotedFrom?: unknown } } | null;
      const from = data?.spec?.promotedFrom;
      out.set(name, typeof from === 'string' ? from : undefined);
    } catch {
      out.set(name, undefined);
    }
  }
  return out;
}

/** Prometheus' base-2 byte sizes (`KB` is 1024 bytes, as `KiB`). */
const BYTE_UNITS: Record<string, number> = {
  B: 1,
  KB: 2 ** 10,
  MB: 2 ** 20,
  GB: 2 ** 30,
  TB: 2 ** 40,
  PB: 2 ** 50,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40,
  PiB: 2 ** 50,
};

export function parseByteSize(text: string): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)([A-Za-z]+)$/.exec(text);
  const unit = m ? BYTE_UNITS[m[2]!] : undefined;
  return m && unit !== undefined ? Number(m[1]) * unit : undefined;
}

/**
 * Free room Prometheus' volume needs beyond `retentionSize`. Prometheus counts its blocks, the
 * write-ahead log and the head chunks inside retention.size, but a compaction writes each new
 * block before it deletes the blocks it replaces: that is what the volume must hold on top.
 */
export const PROMETHEUS_HEADROOM = 0.15;

/** The largest `retentionSize` a volume of `volumeBytes` takes, as Prometheus writes sizes (`85GB`), rounded down. */
export function retentionSizeFor(volumeBytes: number): string {
  const room = volumeBytes * (1 - PROMETHEUS_HEADROOM);
  for (const [unit, size] of [
    ['TB', 2 ** 40],
    ['GB', 2 ** 30],
    ['MB', 2 ** 20],
  ] as const) {
    if (room >= size) return `${Math.floor((room / size) * 10) / 10}${unit}`;
  }
  return `${Math.floor(room)}B`;
}

/** Whether `retentionSize` leaves a volume of `volumeBytes` its headroom; undefined when it is not a size. */
export function retentionSizeFits(retentionSize: string, volumeBytes: number): boolean | undefined {
  const limit = parseByteSize(retentionSize);
  return limit === undefined ? undefined : limit <= volumeBytes * (1 - PROMETHEUS_HEADROOM);
}

/** Prometheus' duration units in hours (its year is 365 days). */
const RETENTION_HOURS: Record<string, number> = { h: 1, d: 24, w: 24 * 7, y: 24 * 365 };
/**
 * The longest retention tritonops renders. Prometheus refuses a duration beyond about 292 years
 * (int64 nanoseconds) and then does not start at all, which blinds every trigger, alert and
 * analysis; ten years is already past any history a cluster keeps.
 */
export const MAX_RETENTION = '10y';

export function retentionHours(retention: string): number | undefined {
  const m = /^([0-9]+)([hdwy])$/.exec(retention);
  return m ? Number(m[1]) * RETENTION_HOURS[m[2]!]! : undefined;
}

export function checkPrometheusStorage(env: LoadedEnvironment, promotedFrom: ReadonlyMap<string, string | undefined>): Diagnostic[] {
  const loaded = env.environment;
  if (!loaded) return [];
  const { file, value } = loaded;
  const spec = value.spec;
  const prometheus = spec.monitoring.prometheus;
  const out: Diagnostic[] = [];
  // Every problem here is under spec.monitoring.prometheus.
  const report = reporter(file, out);
  const error = (path: (string | number)[], code: DiagnosticCode, message: string, hint: string) =>
    report.error(['spec', 'monitoring', 'prometheus', ...path], code, message, hint);
  const warn = (path: (string | number)[], code: DiagnosticCode, message: string, hint: string) =>
    report.warn(['spec', 'monitoring', 'prometheus', ...path], code, message, hint);

  const hours = retentionHours(prometheus.retention);
  if (hours !== undefined && hours > retentionHours(MAX_RETENTION)!) {
    error(
      ['retention'],
      'retention-too-long',
      `retention ${prometheus.retention} is longer than ${MAX_RETENTION}, the most tritonops renders: Prometheus refuses durations beyond about 292 years and then does not start, leaving every autoscaler, alert and canary analysis without metrics`,
      'keep it within `10y` (`3650d`, `521w`, `87600h`), e.g. `15d`; `retentionSize` bounds the disk',
    );
  }
  const limit = prometheus.retentionSize !== undefined ? parseByteSize(prometheus.retentionSize) : undefined;
  if (limit === 0) {
    error(
      ['retentionSize'],
      'retention-size-zero',
      `retentionSize ${prometheus.retentionSize} is 0, which Prometheus reads as no size limit at all`,
      'remove `retentionSize` for no size limit, or give one, e.g. `85GB`',
    );
  }

  const storage = prometheus.storage;
  if (storage && parseQuantity(storage.size) === 0) {
    error(['storage', 'size'], 'invalid-quantity', "the size of Prometheus' volume must be more than 0", 'for example `100Gi`');
  }
  const volume = storage ? parseQuantity(storage.size) : undefined;
  if (volume && limit && retentionSizeFits(prometheus.retentionSize!, volume) === false) {
    const percent = Math.round(PROMETHEUS_HEADROOM * 100);
    warn(
      ['retentionSize'],
      'retention-size-over-volume',
      `retentionSize ${prometheus.retentionSize} leaves less than ${percent}% of the ${storage!.size} volume free: Prometheus counts its write-ahead log and head chunks within retentionSize, but a compaction writes its new block before it deletes the old ones, and on a full volume Prometheus stops ingesting`,
      `set retentionSize to at most ${100 - percent}% of storage.size: ${retentionSizeFor(volume)}`,
    );
  }

  // The end of a promotion chain: promoted from somewhere, and no environment promoted from it.
  const from = spec.promotedFrom;
  const last = from !== undefined && ![...promotedFrom].some(([name, source]) => source === env.name && name !== env.name);
  if (last && !storage) {
    const chain = [env.name];
    for (let at: string | undefined = from; at !== undefined && !chain.includes(at) && chain.length < 10; at = promotedFrom.get(at)) chain.unshift(at);
    const path = ['spec', 'monitoring', 'prometheus'].filter((_, i, all) => file.has(all.slice(0, i + 1)));
    out.push({
      severity: 'warning',
      code: 'prometheus-without-storage',
      file: file.path,
      ...file.locate(path, 'key'),
      message: `environment "${env.name}" ends its promotion chain (${chain.join(' → ')}) but keeps Prometheus on an emptyDir: every restart of Prometheus loses the metrics history and the pending state of alerts`,
      hint: 'declare `monitoring: { prometheus: { storage: { size: 100Gi, storageClass: <a block-storage class> } } }`',
    });
  }
  return out;
}
