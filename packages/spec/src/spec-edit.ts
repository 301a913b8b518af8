/**
 * Edits of spec files that keep everything a person wrote: comments, key order, quoting, flow
 * or block style. They go through the `yaml` Document API and touch only the nodes they change.
 */
import { isMap, isScalar, parseDocument, type Document, type Pair, type YAMLMap } from 'yaml';

/** Fields a canary may change and promotion copies into the stable release. */
export const RELEASE_FIELDS = ['image', 'repository', 'models', 'args'] as const;

export type EditResult = { ok: true; text: string; changes: string[] } | { ok: false; problem: string; hint: string };

const TO_STRING = { lineWidth: 0, flowCollectionPadding: false } as const;

function canaryOf(doc: Document.Parsed): { spec: YAMLMap; canary: YAMLMap } | { problem: string; hint: string } {
  const spec = doc.get('spec', true);
  if (!isMap(spec)) return { problem: 'the file has no `spec` mapping', hint: 'run `tritonops validate` first' };
  const canary = spec.get('canary', true);
  if (!isMap(canary)) return { problem: 'the model has no canary', hint: 'add a `canary:` block with the next release first' };
  return { spec, canary };
}

/**
 * Makes the canary's release the stable release and removes the canary block. The stable track's
 * Deployment keeps its name, so applying the result is a rolling update of it.
 */
export function promoteCanary(text: string): EditResult {
  const doc = parseDocument(text, { keepSourceTokens: true });
  if (doc.errors.length) return { ok: false, problem: `the file is not valid YAML: ${doc.errors[0]!.message}`, hint: 'run `tritonops validate`' };
  const found = canaryOf(doc);
  if ('problem' in found) return { ok: false, ...found };
  const { spec, canary } = found;
  if (canary.has('analysis')) {
    return { ok: false, problem: 'this model is under Flagger analysis: Flagger promotes its releases itself', hint: 'change the release fields of the model to start a new analysis' };
  }
  const changes: string[] = [];
  for (const field of RELEASE_FIELDS) {
    const next = canary.get(field, true);
    if (next === undefined) continue;
    const current = spec.get(field, true);
    if (isScalar(current) && isScalar(next)) {
      // Keep the node (and the comments and quoting attached to it); change its value only.
      if (current.value !== next.value) changes.push(`${field}: ${String(current.value)} -> ${String(next.value)}`);
      current.value = next.value;
    } else {
      changes.push(`${field}: ${current === undefined ? '(none)' : String(current)} -> ${String(next)}`);
      if (current === undefined) insertBefore(spec, 'canary', field, next);
      else spec.set(field, next);
    }
  }
  spec.delete('canary');
  return { ok: true, text: doc.toString(TO_STRING), changes };
}

/** Sets the canary's share of the traffic. */
export function setCanaryWeight(text: string, weight: number): EditResult {
  const doc = parseDocument(text, { keepSourceTokens: true });
  if (doc.errors.length) return { ok: false, problem: `the file is not valid YAML: ${doc.errors[0]!.message}`, hint: 'run `tritonops validate`' };
  const found = canaryOf(doc);
  if ('problem' in found) return { ok: false, ...found };
  const { canary } = found;
  if (canary.has('analysis')) {
    return { ok: false, problem: 'this model is under Flagger analysis: Flagger sets its weights', hint: 'tune `canary.analysis.stepWeight` / `maxWeight` instead' };
  }
  const current = canary.get('weight', true);
  const before = isScalar(current) ? String(current.value) : '(none)';
  if (isScalar(current)) current.value = weight;
  else canary.set('weight', weight);
  return { ok: true, text: doc.toString(TO_STRING), changes: [`canary.weight: ${before} -> ${weight}`] };
}

/** Inserts `key: value` just before `beforeKey` (or at the end), so new fields sit where they belong. */
function insertBefore(map: YAMLMap, beforeKey: string, key: string, value: unknown): void {
  map.set(key, value);
  const items = map.items as Pair[];
  const added = items.pop()!;
  const at = items.findIndex((p) => isScalar(p.key) && p.key.value === beforeKey);
  items.splice(at < 0 ? items.length : at, 0, added);
}
