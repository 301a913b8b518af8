/**
 * What the commit form starts with: a branch named after the first changed spec and the day, and a
 * message whose title says the change in a line (`dev: whisper canary traffic 0% → 20%`) and whose
 * body is diff's summary, one line per item. The user edits both before committing.
 */
import type { ChangesDiff, ChangeSummaryItem } from '../api/types.ts';
import { plural } from '../shell/plural.ts';

/** Git's advice for a subject line; longer titles are cut with an ellipsis. */
const TITLE_CHARS = 72;

const isoDay = (date: Date) => date.toISOString().slice(0, 10);

/** `environments/dev/models/whisper.yaml` → `dev-whisper`. */
function specSlug(path: string): string {
  const parts = path.replace(/\.ya?ml$/, '').split('/');
  return [parts[1], parts.at(-1)]
    .filter(Boolean)
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-');
}

export function defaultBranch(changedSpecs: readonly string[], date: Date): string {
  const first = changedSpecs[0];
  return `tritonops/${first ? specSlug(first) : 'changes'}-${isoDay(date)}`;
}

/** `model whisper` → `whisper`: the title is short, the body keeps the kind. */
const bareName = (subject: string) => subject.replace(/^(model|pipeline) /, '');

function change(item: ChangeSummaryItem): string {
  if (item.before && item.after) return `${item.before} → ${item.after}`;
  return item.after || item.before;
}

function clip(title: string): string {
  return title.length <= TITLE_CHARS ? title : `${title.slice(0, TITLE_CHARS - 1)}…`;
}

export function defaultTitle(diff: ChangesDiff | undefined): string {
  const items = (diff?.environments ?? []).flatMap((e) => e.summary.map((item) => ({ env: e.environment, item })));
  if (items.length === 0) return 'Render flux/ from the specs';
  if (items.length === 1) {
    const { env, item } = items[0]!;
    const value = change(item);
    return clip(`${env}: ${bareName(item.subject)} ${item.what}${value ? ` ${value}` : ''}`);
  }
  const envs = [...new Set(items.map((i) => i.env))];
  const subjects = [...new Set(items.map((i) => bareName(i.item.subject)))];
  return clip(`${envs.join(', ')}: ${plural(items.length, 'change')} (${subjects.join(', ')})`);
}

export function defaultMessage(diff: ChangesDiff | undefined): string {
  const lines = (diff?.environments ?? []).flatMap((e) =>
    e.summary.map((item) => `- ${e.environment}: ${item.subject}: ${item.what}${change(item) ? `: ${change(item)}` : ''}`),
  );
  return lines.length > 0 ? `${defaultTitle(diff)}\n\n${lines.join('\n')}\n` : `${defaultTitle(diff)}\n`;
}
