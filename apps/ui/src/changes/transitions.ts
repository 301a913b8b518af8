/**
 * How the page names and orders transitions, as `tritonops diff` does (apps/cli/src/markdown.ts,
 * diff-comment.ts): the same words, refused ones first. The browser bundle cannot import the CLI,
 * so the few words are repeated here — without the comment's emoji, which not every desktop has a
 * font for (the page marks the class with colour and an outline instead).
 */
import type { ChangeTransition } from '../api/types.ts';

export const TRANSITION_LABELS: Readonly<Record<ChangeTransition['class'], string>> = {
  'two-steps': 'needs two steps',
  disruptive: 'disruptive',
  safe: 'safe',
};

const CLASS_ORDER: Readonly<Record<ChangeTransition['class'], number>> = { 'two-steps': 0, disruptive: 1, safe: 2 };

/** Worst first; within a class, in the order diff found them (a stable sort). */
export const worstFirst = (transitions: readonly ChangeTransition[]): ChangeTransition[] =>
  [...transitions].sort((a, b) => CLASS_ORDER[a.class] - CLASS_ORDER[b.class]);

/** The word before a transition's step: the first pull request of a refused change, or what to merge next. */
export const stepLead = (t: ChangeTransition): string => (t.class === 'two-steps' ? 'First:' : 'Next:');
