/**
 * The text of a new model or pipeline spec file, as a person writes one from
 * docs/spec-reference.md's examples: the schema line first, block style, and the keys in the order
 * the schema declares them (the reference documents them in that order), so that a file the
 * control panel creates reads like the hand-written ones.
 */
import { stringify } from 'yaml';
import { ModelSchema, PipelineSchema } from '@tritonops/spec';

/** The first line of a spec file: editors with the YAML language server check the file against its kind's schema. */
const schemaLine = (kind: 'model' | 'pipeline') => `# yaml-language-server: $schema=../../../packages/spec/schemas/${kind}.schema.json`;

function newSpecText(kind: 'model' | 'pipeline', schema: unknown, doc: unknown): string {
  // lineWidth 0: the reference's examples are written so (no folded long strings).
  return `${schemaLine(kind)}\n${stringify(inSchemaOrder(doc, schema as SchemaNode), { lineWidth: 0 })}`;
}

/** A pipeline file holding `doc`; it reads back as `doc`. */
export const newPipelineText = (doc: unknown): string => newSpecText('pipeline', PipelineSchema, doc);

/** A model file holding `doc`; it reads back as `doc`. */
export const newModelText = (doc: unknown): string => newSpecText('model', ModelSchema, doc);

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  patternProperties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  allOf?: SchemaNode[];
  oneOf?: SchemaNode[];
}

/** `value` with the keys of every map in its schema's `properties` order; keys the schema does not know follow in their own order. */
function inSchemaOrder(value: unknown, schema: SchemaNode | undefined): unknown {
  if (Array.isArray(value)) return value.map((item) => inSchemaOrder(item, alternatives(schema).find((s) => s.items)?.items));
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  const known = alternatives(schema).flatMap((s) => Object.keys(s.properties ?? {}));
  const keys = [...new Set(known)].filter((k) => Object.hasOwn(record, k));
  const rest = Object.keys(record).filter((k) => !keys.includes(k));
  return Object.fromEntries([...keys, ...rest].map((k) => [k, inSchemaOrder(record[k], fieldSchema(schema, k))]));
}

/** The schema itself and the members of its `anyOf`/`allOf`/`oneOf`. */
function alternatives(schema: SchemaNode | undefined): SchemaNode[] {
  if (!schema) return [];
  return [schema, ...[...(schema.anyOf ?? []), ...(schema.allOf ?? []), ...(schema.oneOf ?? [])].flatMap(alternatives)];
}

function fieldSchema(schema: SchemaNode | undefined, key: string): SchemaNode | undefined {
  for (const s of alternatives(schema)) {
    if (s.properties && Object.hasOwn(s.properties, key)) return s.properties[key];
    const pattern = Object.entries(s.patternProperties ?? {}).find(([p]) => new RegExp(p, 'u').test(key));
    if (pattern) return pattern[1];
    if (typeof s.additionalProperties === 'object') return s.additionalProperties;
  }
  return undefined;
}
