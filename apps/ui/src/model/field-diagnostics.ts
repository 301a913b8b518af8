/**
 * Which field shows which diagnostic: the deepest field whose path starts the diagnostic's data
 * path (a problem in `spec.env.AWS_REGION` belongs to the `env` field). Diagnostics of other files,
 * without a path, or under no field go to the list below the form.
 */
import type { ApiDiagnostic } from '../api/types.ts';
import type { DataPath } from './schema-fields.ts';

export const pathKey = (path: DataPath) => path.join('\u0000');

export interface PlacedDiagnostics {
  /** By field (pathKey of the field's path). */
  readonly byField: ReadonlyMap<string, readonly ApiDiagnostic[]>;
  readonly rest: readonly ApiDiagnostic[];
}

const startsWith = (path: DataPath, prefix: DataPath) => prefix.length <= path.length && prefix.every((p, i) => String(p) === String(path[i]));

export function placeDiagnostics(diagnostics: readonly ApiDiagnostic[], file: string | undefined, fields: readonly DataPath[]): PlacedDiagnostics {
  const byField = new Map<string, ApiDiagnostic[]>();
  const rest: ApiDiagnostic[] = [];
  for (const d of diagnostics) {
    const path = d.file === file ? d.path : undefined;
    const owner = path && fields.filter((f) => startsWith(path, f)).sort((a, b) => b.length - a.length)[0];
    if (!owner) {
      rest.push(d);
      continue;
    }
    const key = pathKey(owner);
    byField.set(key, [...(byField.get(key) ?? []), d]);
  }
  return { byField, rest };
}

/** Whether any diagnostic sits at or under `path` (a folded group opens for it). */
export function hasDiagnosticsUnder(placed: PlacedDiagnostics, path: DataPath): boolean {
  const prefix = pathKey(path);
  for (const key of placed.byField.keys()) if (key === prefix || key.startsWith(`${prefix}\u0000`)) return true;
  return false;
}
