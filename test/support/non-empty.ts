/**
 * Guards a test that iterates over rendered objects (or anything computed) against passing
 * vacuously: when a kind disappears from the render, a `for` loop or an `it.each` over it checks
 * nothing. `nonEmpty(list, what)` returns `list` unchanged, or throws, naming `what`, when it is empty.
 * Usable at collection time (`it.each(nonEmpty(...))`) and inside a test.
 */
export function nonEmpty<T>(list: readonly T[], what: string): T[] {
  if (list.length === 0) throw new Error(`expected at least one of ${what}, found none: the test would check nothing`);
  return list as T[];
}
