/**
 * Edits of spec files that keep everything a person wrote. The `yaml` Document API finds the
 * nodes; the edit itself replaces only their source text, so comments, key order, quoting, flow
 * or block style and spacing elsewhere stay byte for byte as they were.
 */
import { Document, isMap, isScalar, isSeq, Lexer, parseDocument, stringify, type Node, type Pair, type YAMLMap } from 'yaml';
import { RELEASE_FIELDS } from '@tritonops/spec';
import { releasesOf } from '../check/promotion-gate.ts';
import { applySplices, columnOf, commentsAbove, endOfLine, lineStart, nodeText, pairOf, type Splice } from './source-splice.ts';

export type EditResult = { ok: true; text: string; changes: string[] } | { ok: false; problem: string; hint: string };

function canaryOf(text: string): { spec: YAMLMap; canary: Pair<Node, YAMLMap> } | { ok: false; problem: string; hint: string } {
  const doc = parseDocument(text, { logLevel: 'error' });
  if (doc.errors.length) return { ok: false, problem: `the file is not valid YAML: ${doc.errors[0]!.message}`, hint: 'run `tritonops validate`' };
  const spec = doc.get('spec', true);
  if (!isMap(spec)) return { ok: false, problem: 'the file has no `spec` mapping', hint: 'run `tritonops validate` first' };
  const canary = pairOf(spec, 'canary');
  if (!canary || !isMap(canary.value)) return { ok: false, problem: 'the model has no canary', hint: 'add a `canary:` block with the next release first' };
  if (pairOf(canary.value, 'analysis')) return { ok: false, problem: 'ANALYSIS', hint: '' };
  return { spec, canary: canary as Pair<Node, YAMLMap> };
}

/**
 * Makes the canary's release the stable release and removes the canary block (with the comment
 * lines right above it). The stable track's Deployment keeps its name, so applying the result is
 * a rolling update of it.
 */
export function promoteCanary(text: string): EditResult {
  const found = canaryOf(text);
  if ('ok' in found) {
    return found.problem === 'ANALYSIS'
      ? {
          ok: false,
          problem: 'this model is under Flagger analysis: Flagger promotes its releases itself',
          hint: 'change the release fields of the model to start a new analysis',
        }
      : found;
  }
  const { spec, canary } = found;
  const canaryKey = canary.key;
  const specColumn = columnOf(text, canaryKey.range![0]);
  const splices: Splice[] = [];
  const changes: string[] = [];
  const inserted: string[] = [];
  for (const field of RELEASE_FIELDS) {
    const next = pairOf(canary.value!, field)?.value;
    if (!next) continue;
    const current = pairOf(spec, field);
    const nextText = nodeText(text, next, specColumn + 2);
    if (current?.value) {
      const [from, to] = current.value.range!;
      const currentText = text.slice(from, to).replace(/\s+$/, '');
      if (currentText !== nextText) changes.push(`${field}: ${currentText.replace(/\s+/g, ' ')} -> ${nextText.replace(/\s+/g, ' ')}`);
      const block = nextText.includes('\n');
      // A block collection starts on the next line: drop the space after the colon too.
      const start = block ? from - (text.slice(0, from).length - text.slice(0, from).trimEnd().length) : from;
      splices.push({ from: start, to: from + currentText.length, text: block ? `\n${' '.repeat(specColumn + 2)}${nextText.trimStart()}` : nextText });
    } else {
      changes.push(`${field}: (none) -> ${nextText.replace(/\s+/g, ' ')}`);
      inserted.push(
        `${' '.repeat(specColumn)}${field}:${nextText.includes('\n') ? `\n${' '.repeat(specColumn + 2)}${nextText.trimStart()}` : ` ${nextText}`}\n`,
      );
    }
  }
  // The canary block goes, with the comment lines that introduce it.
  let from = lineStart(text, canaryKey.range![0]);
  for (;;) {
    const previous = lineStart(text, from - 1);
    if (from === 0 || !/^\s*#/.test(text.slice(previous, from - 1)) || columnOf(text, previous + text.slice(previous).search(/\S/)) !== specColumn) break;
    from = previous;
  }
  const to = endOfLine(text, canary.value!.range![1] - 1);
  splices.push({ from, to, text: inserted.join('') });
  return { ok: true, text: applySplices(text, splices), changes };
}

/** Sets the canary's share of the traffic. */
export function setCanaryWeight(text: string, weight: number): EditResult {
  const found = canaryOf(text);
  if ('ok' in found) {
    return found.problem === 'ANALYSIS'
      ? {
          ok: false,
          problem: 'this model is under Flagger analysis: Flagger sets its weights',
          hint: 'tune `canary.analysis.stepWeight` / `maxWeight` instead',
        }
      : found;
  }
  const current = pairOf(found.canary.value!, 'weight');
  if (current?.value) {
    const [from, to] = current.value.range!;
    const before = text.slice(from, to).trim();
    return {
      ok: true,
      text: applySplices(text, [{ from, to: from + before.length, text: String(weight) }]),
      changes: [`canary.weight: ${before} -> ${weight}`],
    };
  }
  const firstChild = found.canary.value!.items[0] as Pair<Node, Node> | undefined;
  const column = firstChild ? columnOf(text, firstChild.key.range![0]) : columnOf(text, found.canary.key.range![0]) + 2;
  const at = endOfLine(text, found.canary.key.range![0]);
  return {
    ok: true,
    text: applySplices(text, [{ from: at, to: at, text: `${' '.repeat(column)}weight: ${weight}\n` }]),
    changes: [`canary.weight: (none) -> ${weight}`],
  };
}

/** A value as one line of `changes` (flow style: `[a, b]`). */
const oneLine = (value: unknown) => stringify(value, { collectionStyle: 'flow', flowCollectionPadding: false }).trim();

/**
 * Adds a `canary:` block running `release` (any of RELEASE_FIELDS; the rest is inherited from the
 * stable release) on `weight` percent of the traffic, at the end of `spec`, indented like spec's
 * other fields. A sequence is written in the style the stable release writes that field.
 */
export function startCanary(text: string, release: Record<string, unknown>, weight: number): EditResult {
  const foreign = Object.keys(release).filter((k) => !(RELEASE_FIELDS as readonly string[]).includes(k));
  if (foreign.length > 0) {
    return {
      ok: false,
      problem: `${foreign.map((k) => `"${k}"`).join(', ')} ${foreign.length === 1 ? 'is not a release field' : 'are not release fields'}: a canary starts with a release (${RELEASE_FIELDS.join(', ')}) and a weight`,
      hint: "set the canary's other fields (replicas, header, mirror, autoscaling) in the spec once it exists",
    };
  }
  const given = RELEASE_FIELDS.filter((k) => release[k] !== undefined);
  if (given.length === 0) {
    return { ok: false, problem: 'the canary has no release to run', hint: `give it at least one of ${RELEASE_FIELDS.join(', ')}` };
  }
  if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
    return {
      ok: false,
      problem: `the canary weight must be a whole percent from 0 to 100, not ${weight}`,
      hint: 'the stable track gets the rest of the traffic',
    };
  }
  const doc = parseDocument(text, { logLevel: 'error' });
  if (doc.errors.length) return { ok: false, problem: `the file is not valid YAML: ${doc.errors[0]!.message}`, hint: 'run `tritonops validate`' };
  const specPair = isMap(doc.contents) ? pairOf(doc.contents, 'spec') : undefined;
  const spec = specPair?.value;
  if (!specPair || !isMap(spec)) return { ok: false, problem: 'the file has no `spec` mapping', hint: 'run `tritonops validate` first' };
  const existing = pairOf(spec, 'canary');
  if (existing && isMap(existing.value) && pairOf(existing.value, 'analysis')) {
    return {
      ok: false,
      problem: "this model is under Flagger analysis: Flagger makes a canary of every change to the model's release",
      hint: 'change the release fields of the model to start a new analysis',
    };
  }
  if (existing) {
    return {
      ok: false,
      problem: 'the model already has a canary',
      hint: 'change its weight (`tritonops canary weight`), or promote it (`tritonops canary promote`) or remove it (`tritonops canary remove`) before starting another',
    };
  }
  const stable = spec.toJSON() as Parameters<typeof releasesOf>[0];
  const [stableRelease, canaryRelease] = releasesOf({ ...stable, canary: Object.fromEntries(given.map((k) => [k, release[k]])) });
  if (stableRelease === canaryRelease) {
    return {
      ok: false,
      problem: 'the canary would run the stable release: there is nothing to try',
      hint: 'give the canary the next release: a new `repository` path (or `models`), or another `image` tag',
    };
  }
  const firstKey = (spec.items[0] as Pair<Node, Node> | undefined)?.key;
  if (spec.flow || !firstKey?.range || !specPair.key.range) {
    return { ok: false, problem: "the model's `spec` is not a block mapping (one field a line)", hint: 'write `spec` in block style, then start the canary' };
  }
  const column = columnOf(text, firstKey.range[0]);
  const step = Math.max(column - columnOf(text, specPair.key.range[0]), 1);
  const block = new Document({ canary: { ...Object.fromEntries(given.map((k) => [k, release[k]])), weight } });
  for (const field of given) {
    const node = block.getIn(['canary', field], true);
    const stableNode = spec.get(field, true);
    if (isSeq(node)) node.flow = isSeq(stableNode) ? !!stableNode.flow : false;
  }
  const lines = block
    .toString({ indent: step, flowCollectionPadding: false })
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => `${' '.repeat(column)}${line}\n`)
    .join('');
  const last = spec.items[spec.items.length - 1] as Pair<Node, Node>;
  const at = endOfLine(text, (last.value ?? last.key).range![1] - 1);
  const newline = at === text.length && !text.endsWith('\n') ? '\n' : '';
  return {
    ok: true,
    text: applySplices(text, [{ from: at, to: at, text: newline + lines }]),
    changes: [...given.map((k) => `canary.${k}: (none) -> ${oneLine(release[k])}`), `canary.weight: (none) -> ${weight}`],
  };
}

/**
 * Removes the canary block (with the comment lines right above it) without promoting it. Refused
 * while the canary receives a share of the traffic (`weight` > 0): removing it then aborts it for
 * the users it serves, the rule `synth`'s prune guard enforces on the render (apps/cli
 * prune-guard.ts). A header route or a mirror does not count: those reach testers or copies only.
 * `names` fill in the command of the hint.
 */
export function removeCanary(text: string, names: { model: string; env: string } = { model: '<model>', env: '<env>' }): EditResult {
  const found = canaryOf(text);
  if ('ok' in found) {
    if (found.problem === 'ANALYSIS') {
      return {
        ok: false,
        problem: 'this model is under Flagger analysis: Flagger runs its canary, on every change to its release',
        hint: "to stop using Flagger, remove `canary.analysis` (the whole `canary:` block) from the spec: release changes then roll out as a rolling update of the model's Deployment, and tritonops renders its VirtualService and DestinationRules again",
      };
    }
    return found.problem === 'the model has no canary' ? { ...found, hint: 'there is nothing to remove' } : found;
  }
  const { canary } = found;
  const weight = Number(canary.value!.get('weight') ?? 0);
  if (weight > 0) {
    return {
      ok: false,
      problem: `the canary of this model still receives ${weight}% of the traffic: removing it would abort it mid-flight`,
      hint: `drain it first: \`tritonops canary weight ${names.model} 0 --env ${names.env}\`, merge and let Flux apply it, then remove it`,
    };
  }
  // The same rule as the transition analysis (`diff`, `validate --base`): routes and the track
  // must not go in one sync, or requests already routed to the canary fail while Istio catches up.
  const routes = [canary.value!.has('header') && 'a header route', canary.value!.has('mirror') && 'mirrored traffic'].filter(Boolean);
  if (routes.length > 0) {
    return {
      ok: false,
      problem: `the canary of this model still gets ${routes.join(' and ')}: removing it with its routes in one change makes requests on their way to it fail (503)`,
      hint: `remove \`canary.header\` and \`canary.mirror\` first, merge and let Flux apply it, then remove the canary`,
    };
  }
  const changes = canary.value!.items.map(
    (p) => `canary.${String((p.key as Node).toJSON())}: ${oneLine((p.value as Node | null)?.toJSON() ?? null)} -> (none)`,
  );
  const from = commentsAbove(text, canary.key.range![0]);
  const to = endOfLine(text, canary.value!.range![1] - 1);
  return { ok: true, text: applySplices(text, [{ from, to, text: '' }]), changes };
}

/**
 * The target spec with its release `fields` (MODEL_PROMOTED_FIELDS or PIPELINE_PROMOTED_FIELDS of
 * @tritonops/spec) taken from the source spec: replaced in place where both have them, added at
 * the end of `spec` where only the source has them, removed (with their comments) where only the
 * target has them. Every other field (placement, scale, the canary, …) and every comment stay as
 * they are.
 */
export function copyRelease(targetText: string, sourceText: string, fields: readonly string[]): EditResult {
  const [target, source] = [parseDocument(targetText, { logLevel: 'error' }), parseDocument(sourceText, { logLevel: 'error' })];
  const bad = [target, source].find((d) => d.errors.length > 0);
  if (bad) return { ok: false, problem: `a spec is not valid YAML: ${bad.errors[0]!.message}`, hint: 'run `tritonops validate`' };
  const [tSpec, sSpec] = [target.get('spec', true), source.get('spec', true)];
  if (!isMap(tSpec) || !isMap(sSpec)) return { ok: false, problem: 'a spec file has no `spec` mapping', hint: 'run `tritonops validate`' };
  const firstKey = (tSpec.items[0] as Pair<Node, Node> | undefined)?.key;
  if (!firstKey?.range) return { ok: false, problem: 'the target spec is empty', hint: 'run `tritonops validate`' };
  const column = columnOf(targetText, firstKey.range[0]);
  const splices: Splice[] = [];
  const changes: string[] = [];
  const appended: string[] = [];
  const render = (field: string, node: Node) => {
    const text = nodeText(sourceText, node, column + 2);
    const block = (isMap(node) || isSeq(node)) && !/^[[{]/.test(text);
    return { text, block, line: block ? `${field}:\n${' '.repeat(column + 2)}${text}` : `${field}: ${text}` };
  };
  const isBlock = (t: string, node: Node) => (isMap(node) || isSeq(node)) && !/^[[{]/.test(t.slice(node.range![0]));
  for (const field of fields) {
    const s = pairOf(sSpec, field);
    const t = pairOf(tSpec, field);
    if (s?.value && t?.value) {
      if (JSON.stringify(s.value.toJSON()) === JSON.stringify(t.value.toJSON())) continue;
      const next = render(field, s.value);
      const start = t.value.range![0];
      const end = start + targetText.slice(start, t.value.range![1]).replace(/\s+$/, '').length;
      const wasBlock = isBlock(targetText, t.value);
      const current = targetText.slice(start, end).trim().replace(/\s+/g, ' ');
      changes.push(`${field}: ${current} -> ${next.text.replace(/\s+/g, ' ')}`);
      if (wasBlock && next.block) {
        // Keep the key's line (and its comment); replace the lines of the value.
        splices.push({ from: lineStart(targetText, start), to: end, text: `${' '.repeat(column + 2)}${next.text}` });
      } else if (!wasBlock && !next.block) {
        splices.push({ from: start, to: end, text: next.text });
      } else {
        const keyEnd = t.key.range![1] + 1;
        splices.push({ from: keyEnd, to: end, text: next.block ? `\n${' '.repeat(column + 2)}${next.text}` : ` ${next.text}` });
      }
    } else if (s?.value) {
      const next = render(field, s.value);
      changes.push(`${field}: (none) -> ${next.text.replace(/\s+/g, ' ')}`);
      appended.push(`${' '.repeat(column)}${next.line}\n`);
    } else if (t?.value) {
      changes.push(`${field}: ${targetText.slice(t.value.range![0], t.value.range![1]).trim().replace(/\s+/g, ' ')} -> (none)`);
      splices.push({ from: commentsAbove(targetText, t.key.range![0]), to: endOfLine(targetText, t.value.range![1] - 1), text: '' });
    }
  }
  if (appended.length > 0) {
    const last = tSpec.items[tSpec.items.length - 1] as Pair<Node, Node>;
    const at = endOfLine(targetText, (last.value ?? last.key).range![1] - 1);
    splices.push({ from: at, to: at, text: appended.join('') });
  }
  return { ok: true, text: applySplices(targetText, splices), changes };
}

/**
 * Removes the entry at `path` (a key of a mapping) with the comment lines right above it; a
 * mapping the removal leaves empty goes too (e.g. `annotations:` without its last annotation).
 * Block mappings are edited in place; a flow mapping (`{ … }`) is rewritten by the YAML library,
 * which keeps comments but may respace that mapping. Unchanged text when there is no such entry.
 */
export function removeEntry(text: string, path: readonly string[]): { text: string; removed: boolean } {
  const doc = parseDocument(text, { logLevel: 'error' });
  if (doc.errors.length > 0) return { text, removed: false };
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
  if (!isMap(parent)) return { text, removed: false };
  const pair = pairOf(parent, path[path.length - 1]!);
  if (!pair) return { text, removed: false };
  if (parent.items.length === 1 && path.length > 2) return { text: removeEntry(text, path.slice(0, -1)).text, removed: true };
  if (parent.flow || !pair.key.range) {
    doc.deleteIn(path);
    return { text: doc.toString(), removed: true };
  }
  const end = (pair.value ?? pair.key).range![1];
  return { text: applySplices(text, [{ from: commentsAbove(text, pair.key.range[0]), to: endOfLine(text, end - 1), text: '' }]), removed: true };
}

/** Where each comment of `text` is (from its `#` to the end of the line), as YAML's lexer finds them: never a `#` inside a scalar. */
function commentSpans(text: string): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    // The lexer's markers of a document, a scalar and a flow error are not source text.
    if (token === '\x02' || token === '\x1f' || token === '\x18') continue;
    if (token.startsWith('#')) out.push({ from: offset, to: offset + token.length });
    offset += token.length;
  }
  return out;
}

/**
 * `text` without the comments inside `spec` except those of the `keep` fields (the release): for
 * a spec copied into another environment, whose comments about placement, scale or the cluster
 * ("t4 offers 4 shares per node") describe the source. A comment belongs to the field on whose
 * lines it is or to the next field below it; comments outside `spec` and of kept fields stay, as
 * does everything else byte for byte. Unchanged text when the spec is not a block mapping.
 */
export function dropSpecComments(text: string, keep: readonly string[]): string {
  const doc = parseDocument(text, { logLevel: 'error' });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return text;
  const specPair = pairOf(doc.contents, 'spec');
  if (!specPair?.key.range || !isMap(specPair.value) || specPair.value.flow) return text;
  const regions: { from: number; to: number }[] = [];
  let from = endOfLine(text, specPair.key.range[1]);
  for (const item of specPair.value.items) {
    const pair = item as Pair<Node, Node>;
    const to = endOfLine(text, (pair.value ?? pair.key).range![1] - 1);
    if (!(isScalar(pair.key) && keep.includes(String(pair.key.value)))) regions.push({ from, to });
    from = to;
  }
  // Comment lines indented under `spec` after its last field (a commented-out example) belong to no release field.
  const specColumn = columnOf(text, specPair.key.range[0]);
  const next = doc.contents.items[doc.contents.items.findIndex((p) => p === specPair) + 1] as Pair<Node, Node> | undefined;
  const trailing = { from, to: next?.key.range ? lineStart(text, next.key.range[0]) : text.length };
  const splices: Splice[] = [];
  for (const c of commentSpans(text)) {
    const inTrailing = c.from >= trailing.from && c.from < trailing.to && columnOf(text, c.from) > specColumn;
    if (!inTrailing && !regions.some((r) => c.from >= r.from && c.from < r.to)) continue;
    const start = lineStart(text, c.from);
    const before = text.slice(start, c.from);
    if (before.trim() === '') splices.push({ from: start, to: endOfLine(text, c.from), text: '' });
    else splices.push({ from: start + before.trimEnd().length, to: c.to, text: '' });
  }
  return applySplices(text, splices);
}
