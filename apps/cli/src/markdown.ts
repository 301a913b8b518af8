/**
 * Markdown for pull-request comments and bodies, where every piece of text that came from a spec
 * is shown as code, never read as markup: an override reason cannot open an HTML comment that
 * hides the rest of the comment (a changed image with it), add an image or a link, or mention
 * people. GitHub and GitLab render it alike.
 *
 * - `code`: an inline code span whose fence is longer than any run of backticks inside;
 * - `fenced`: a fenced block whose fence is longer than any run of backticks inside;
 * - `summaryTable`: an HTML table (an HTML block: no Markdown inside) of HTML-escaped `<code>`
 *   cells — a Markdown table cannot hold every text safely, since its cells split on `|` before
 *   code spans are read;
 * - `htmlCode`: spec text as code inside HTML (table cells, a `<details>` summary);
 * - `link`: a link to an http(s) address checked by `httpUrl`, escaped into its attribute.
 */
import type { Transition } from '@tritonops/charts';
import type { SummaryItem } from '@tritonops/planner';

function longestRun(text: string, char: string): number {
  let longest = 0;
  let run = 0;
  for (const c of text) {
    run = c === char ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

/** `text` as one inline code span, on one line (a newline shows as `\n`). */
export function code(text: string): string {
  const flat = text.replace(/\r?\n/g, '\\n');
  if (flat === '') return '`(empty)`';
  const fence = '`'.repeat(longestRun(flat, '`') + 1);
  // A space on both sides is dropped by the reader; it keeps a backtick at either end apart from the fence.
  const pad = flat.startsWith('`') || flat.endsWith('`') || (flat.startsWith(' ') && flat.endsWith(' ')) ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** `text` as a fenced code block with the info string `info`. */
export function fenced(text: string, info = ''): string {
  const fence = '`'.repeat(Math.max(3, longestRun(text, '`') + 1));
  return `${fence}${info}\n${text.replace(/\n$/, '')}\n${fence}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`).replace(/\r?\n/g, '&#10;');
}

/** `text` as code inside HTML, every character literal. */
export function htmlCode(text: string): string {
  return `<code>${escapeHtml(text)}</code>`;
}

/** Long enough for any CI artifact link, short enough that the link cannot crowd out a comment. */
export const MAX_URL_LENGTH = 2000;

/**
 * `text` as an absolute http(s) URL in its normal form (spaces, quotes and angle brackets
 * percent-encoded), or an Error saying what is wrong. Credentials are refused: the link is posted
 * in a comment anyone with access to the pull request reads.
 */
export function httpUrl(text: string): string | Error {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return new Error(`"${text}" is not a URL (expected http://… or https://…)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return new Error(`"${text}" is not an http(s) URL`);
  if (url.username !== '' || url.password !== '') return new Error('the URL must not hold credentials: it is posted in a comment');
  // Measured as the link's attribute holds it (`&` takes 5 characters there): the comment's length budget counts that.
  if (escapeHtml(url.href).length > MAX_URL_LENGTH) return new Error(`the URL is longer than ${MAX_URL_LENGTH} characters (with & and ' escaped for HTML)`);
  return url.href;
}

/** A link to `href` (checked by `httpUrl`) reading `text`, both escaped: neither can add markup. */
export function link(href: string, text: string): string {
  return `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;
}

/** The reviewer's summary (subject, change, before, after) as a table whose cells are all literal text. */
export function summaryTable(items: readonly SummaryItem[]): string {
  const cell = (text: string) => `<td><code>${escapeHtml(text)}</code></td>`;
  return [
    '<table>',
    '<tr><th>Subject</th><th>Change</th><th>Before</th><th>After</th></tr>',
    ...items.map((s) => `<tr>${cell(s.subject)}${cell(s.what)}${cell(s.before)}${cell(s.after)}</tr>`),
    '</table>',
  ].join('\n');
}

/** tritonops' own prose, HTML-escaped whole, its `code` spans shown as code. */
function prose(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** tritonops' own sentences (which may name spec values) as an HTML list: escaped, `code` spans shown as code. */
export function proseList(items: readonly string[]): string {
  return ['<ul>', ...items.map((i) => `<li>${prose(i)}</li>`), '</ul>'].join('\n');
}

export const TRANSITION_LABELS = { 'two-steps': '⛔ needs two steps', disruptive: '⚠ disruptive', safe: '✅ safe' } as const;

/** What each change does to the cluster, worst first, as a table whose cells are all escaped. */
export function transitionTable(transitions: readonly Transition[]): string {
  const rows = transitions.map(
    (t) =>
      `<tr><td>${TRANSITION_LABELS[t.class]}</td><td><code>${escapeHtml(t.subject)}</code></td><td>${prose(t.change)}</td><td>${prose(t.effect)}</td><td>${t.step ? `${t.class === 'two-steps' ? '<b>First:</b> ' : '<b>Next:</b> '}${prose(t.step)}` : ''}</td></tr>`,
  );
  return ['<table>', '<tr><th>Class</th><th>Subject</th><th>Change</th><th>What the cluster experiences</th><th>Step</th></tr>', ...rows, '</table>'].join(
    '\n',
  );
}
