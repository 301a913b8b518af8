/**
 * Did-you-mean for names that are not one of a known set: a key, an environment, a pool, a model,
 * a step. One rule everywhere, so a typo gets the same suggestion wherever it is made.
 */
import { closest, distance } from 'fastest-levenshtein';

/** The closest candidate if it is close enough to be what was meant. */
export function didYouMean(input: string, candidates: string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const lower = input.toLowerCase();
  const exactCase = candidates.find((c) => c.toLowerCase() === lower);
  if (exactCase) return exactCase;
  // An abbreviation (`prod` for `production`) when exactly one candidate starts with it.
  const prefixed = candidates.filter((c) => input.length >= 3 && c.toLowerCase().startsWith(lower));
  if (prefixed.length === 1) return prefixed[0];
  const best = closest(input, candidates);
  const limit = Math.max(2, Math.floor(input.length / 3));
  return distance(input, best) <= limit ? best : undefined;
}

/**
 * The hint for `input`, which is none of `candidates`: the one it most likely meant, shown by
 * `show` (to quote it in context), or `otherwise` when none is close.
 */
export function didYouMeanHint(
  input: string,
  candidates: string[],
  otherwise: string | undefined,
  show: (guess: string) => string = (guess) => guess,
): string | undefined {
  const guess = didYouMean(input, candidates);
  return guess ? `did you mean "${show(guess)}"?` : otherwise;
}
