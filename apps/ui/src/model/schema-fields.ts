/**
 * The model form, generated from the Model JSON Schema (packages/spec/schemas/model.schema.json)
 * rather than written by hand: a field added to the spec language shows up in the form with its
 * description, bounds and choices, and cannot drift from what the validator accepts. This module
 * only reads the schema into a tree of fields; SchemaForm.tsx draws them.
 */
import type { JsonSchema } from '../api/types.ts';

export type DataPath = readonly (string | number)[];

interface FieldBase {
  readonly key: string;
  /** Where the value sits in the document (`['spec', 'resources', 'cpu']`). */
  readonly path: DataPath;
  readonly description?: string;
  readonly required: boolean;
  /** The schema's default, shown as the placeholder (never written). */
  readonly defaultValue?: unknown;
}

export type Field =
  | (FieldBase & { readonly kind: 'text'; readonly pattern?: string })
  | (FieldBase & { readonly kind: 'number'; readonly integer: boolean; readonly min?: number; readonly max?: number })
  | (FieldBase & { readonly kind: 'boolean' })
  | (FieldBase & { readonly kind: 'select'; readonly options: readonly string[] })
  /** An array of strings: one row each, added and removed. */
  | (FieldBase & { readonly kind: 'list' })
  /** A map of strings (env, labels): key/value rows. */
  | (FieldBase & { readonly kind: 'map' })
  /** An object with known properties: a fieldset; `collapsible` for the rarely used ones. */
  | (FieldBase & { readonly kind: 'group'; readonly children: readonly Field[]; readonly collapsible: boolean })
  /** A subtree too varied for generic inputs (signatures, secretEnv, triggers' arrays): edited as JSON. */
  | (FieldBase & { readonly kind: 'json' });

/** What most models set: shown open at the top of the spec; everything else is folded away until used. */
export const MAIN_SPEC_FIELDS: readonly string[] = ['image', 'repository', 'models', 'gpuPool', 'gpus', 'replicas', 'autoscaling', 'canary'];

type Schema = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, Schema>;
  patternProperties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  pattern?: string;
};

/** The choices of a schema that is one of a few constants (`anyOf` of `const`s, or `enum`), else undefined. */
function choicesOf(schema: Schema): string[] | undefined {
  if (schema.enum && schema.enum.every((v) => typeof v === 'string')) return schema.enum as string[];
  if (schema.anyOf && schema.anyOf.length > 0 && schema.anyOf.every((s) => typeof s.const === 'string')) return schema.anyOf.map((s) => s.const as string);
  return undefined;
}

const isStringSchema = (schema: Schema | undefined) => !!schema && (schema.type === 'string' || !!choicesOf(schema));

/** One property of an object schema as a field. */
export function fieldOf(key: string, schema: Schema, path: DataPath, required: boolean, collapsible: boolean): Field | undefined {
  if (schema.const !== undefined) return undefined; // apiVersion, kind: nothing to choose
  const base: FieldBase = {
    key,
    path,
    required,
    ...(schema.description !== undefined ? { description: schema.description } : {}),
    ...(schema.default !== undefined ? { defaultValue: schema.default } : {}),
  };
  const choices = choicesOf(schema);
  if (choices) return { ...base, kind: 'select', options: choices };
  if (schema.anyOf) {
    // A quantity (`"4"`, `500m`, `24Gi`, or a number) reads best as text: the validator parses it.
    return schema.anyOf.every((s) => s.type === 'string' || s.type === 'number' || s.type === 'integer')
      ? { ...base, kind: 'text' }
      : { ...base, kind: 'json' };
  }
  switch (schema.type) {
    case 'string':
      return { ...base, kind: 'text', ...(schema.pattern ? { pattern: schema.pattern } : {}) };
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? schema.exclusiveMinimum;
      const max = schema.maximum ?? schema.exclusiveMaximum;
      return { ...base, kind: 'number', integer: schema.type === 'integer', ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
    }
    case 'boolean':
      return { ...base, kind: 'boolean' };
    case 'array':
      return isStringSchema(schema.items) ? { ...base, kind: 'list' } : { ...base, kind: 'json' };
    case 'object': {
      if (schema.properties && !schema.patternProperties) {
        return { ...base, kind: 'group', children: fieldsOf(schema, path), collapsible };
      }
      const values = Object.values(schema.patternProperties ?? {});
      if (!schema.properties && values.length === 1 && isStringSchema(values[0])) return { ...base, kind: 'map' };
      return { ...base, kind: 'json' };
    }
    default:
      return { ...base, kind: 'json' };
  }
}

/** The fields of an object schema's properties, in the schema's order; nested optional objects fold. */
export function fieldsOf(schema: Schema, path: DataPath): Field[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).flatMap(
    ([key, property]) => fieldOf(key, property, [...path, key], required.has(key), !required.has(key)) ?? [],
  );
}

/** The model form: metadata's labels and annotations, then the spec (main fields open, the rest in a folded "more settings" group). */
export function modelFields(schema: JsonSchema): { metadata: Field[]; main: Field[]; more: Field[] } {
  const root = schema as Schema;
  const metadata = fieldsOf(root.properties?.metadata ?? {}, ['metadata']).filter((f) => f.key !== 'name');
  const spec = root.properties?.spec ?? {};
  const required = new Set(spec.required ?? []);
  const fields = Object.entries(spec.properties ?? {}).flatMap(([key, property]) => {
    const main = MAIN_SPEC_FIELDS.includes(key);
    return fieldOf(key, property, ['spec', key], required.has(key), !main) ?? [];
  });
  return {
    metadata,
    main: fields.filter((f) => MAIN_SPEC_FIELDS.includes(f.key) || f.required),
    more: fields.filter((f) => !MAIN_SPEC_FIELDS.includes(f.key) && !f.required),
  };
}

/** The metadata.name rule of the schema (pattern and length), for the new-model name field. */
export function nameRule(schema: JsonSchema): { pattern: RegExp; maxLength: number; description?: string } {
  const name = (schema as Schema).properties?.metadata?.properties?.name as (Schema & { maxLength?: number }) | undefined;
  return {
    pattern: new RegExp(name?.pattern ?? '^[a-z]([-a-z0-9]*[a-z0-9])?$'),
    maxLength: name?.maxLength ?? 63,
    ...(name?.description ? { description: name.description } : {}),
  };
}

/** Every field's path, groups' included, depth first: where diagnostics may be placed. */
export function fieldPaths(fields: readonly Field[]): DataPath[] {
  return fields.flatMap((f) => (f.kind === 'group' ? [f.path, ...fieldPaths(f.children)] : [f.path]));
}
