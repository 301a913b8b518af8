/**
 * A count with its noun ("1 error", "3 errors"): pages print counts of every size, and a fixed
 * plural reads wrong for one. The panel's nouns take "-s" unless the caller says otherwise.
 */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
