/**
 * Looking up a spec's own keys. Specs are parsed into plain objects, which inherit `constructor`,
 * `toString` and friends: `gpuPools["constructor"]` would find Object itself. Every lookup by a
 * name that came from a spec goes through `own`.
 */
export function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}
