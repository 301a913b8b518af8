/**
 * Shape validation: ajv against the JSON Schemas, its errors turned into positioned diagnostics
 * with plain-language messages and did-you-mean hints. Fills in schema defaults as it goes.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Diagnostic } from '../diagnostics.ts';
import type { DiagnosticCode } from '../diagnostic-codes.ts';
import { didYouMean } from '../did-you-mean.ts';
import { DNS_LABEL_PATTERN, QUANTITY_PATTERN } from '@tritonops/spec';
import type { DataPath, SourceFile } from './source-file.ts';

type Schema = Record<string, unknown>;

const ajv = new Ajv({ allErrors: true, verbose: true, useDefaults: true, strict: true, allowUnionTypes: true });
const compiled = new WeakMap<object, ValidateFunction>();

function compile(schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/**
 * Validates `file.data` against `schema`, filling in defaults in place. Returns diagnostics; the
 * data is shaped as the schema says only when there are none.
 */
export function validateShape(file: SourceFile, schema: object): Diagnostic[] {
  const validate = compile(schema);
  if (validate(file.data)) return [];
  const errors = collapse(validate.errors ?? []);
  return errors.map((e) => toDiagnostic(file, e));
}

/** Whether `data` fits `schema` (defaults are filled in as a side effect). */
export function isValid(schema: object, data: unknown): boolean {
  return compile(schema)(data);
}

/** Parses ajv's JSON Pointer (`/spec/resources/0`) into a data path. */
function pathOf(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function dotted(path: DataPath): string {
  return path.length === 0
    ? 'the document'
    : path
        .map((p) => (typeof p === 'number' ? `[${p}]` : p))
        .join('.')
        .replace(/\.\[/g, '[');
}

/**
 * ajv reports every failing branch of an `anyOf` (a union such as a quantity: string or number)
 * plus the `anyOf` itself. Keep one error per place: the `anyOf`, which we describe as a whole.
 */
function collapse(errors: ErrorObject[]): ErrorObject[] {
  const anyOfPaths = errors.filter((e) => e.keyword === 'anyOf').map((e) => e.schemaPath.replace(/\/anyOf$/, '/anyOf/'));
  const kept = errors.filter((e) => e.keyword === 'anyOf' || !anyOfPaths.some((p) => e.schemaPath.startsWith(p)));
  // `propertyNames` failures come with a nested `pattern` error on the same key; keep the outer one.
  return kept.filter((e) => !(e.keyword === 'pattern' && e.propertyName !== undefined));
}

function toDiagnostic(file: SourceFile, e: ErrorObject): Diagnostic {
  const path = pathOf(e.instancePath);
  const where = dotted(path);
  const parent = e.parentSchema as Schema | undefined;
  const make = (span: ReturnType<SourceFile['locate']>, code: DiagnosticCode, message: string, hint?: string): Diagnostic => ({
    severity: 'error',
    code,
    file: file.path,
    ...span,
    message,
    ...(hint ? { hint } : {}),
  });

  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys((parent?.properties as Schema | undefined) ?? {});
      const suggestion = didYouMean(key, allowed);
      return make(
        file.locate([...path, key], 'key'),
        'unknown-key',
        `unknown key "${key}" in ${where}`,
        suggestion ? `did you mean "${suggestion}"?` : allowed.length ? `allowed keys here: ${allowed.join(', ')}` : undefined,
      );
    }
    case 'required': {
      const key = String((e.params as { missingProperty: string }).missingProperty);
      const property = ((parent?.properties as Schema | undefined)?.[key] ?? {}) as Schema;
      const example = exampleOf(property);
      return make(
        file.locate(path, path.length > 0 ? 'key' : 'value'),
        'missing-key',
        `missing required key "${key}" in ${where}`,
        `add \`${key}:\`${describe(property)}${example ? `, for example \`${key}: ${example}\`` : ''}`,
      );
    }
    case 'propertyNames': {
      const key = String((e.params as { propertyName: string }).propertyName);
      const pattern = ((parent?.propertyNames as Schema | undefined)?.pattern as string | undefined) ?? '';
      const lower = key.toLowerCase();
      const lowercaseFits = lower !== key && pattern !== '' && new RegExp(pattern).test(lower);
      return make(
        file.locate([...path, key], 'key'),
        'invalid-key',
        `invalid key "${key}" in ${where}`,
        lowercaseFits ? `write it in lowercase: "${lower}"` : formatHint(pattern, parent),
      );
    }
    case 'type': {
      const expected = (e.params as { type: string }).type;
      return make(
        file.locate(path),
        'wrong-type',
        `${where} must be ${article(expected)}, not ${describeValue(e.data)}`,
        exampleOf(parent ?? {}) ? `for example: ${exampleOf(parent ?? {})}` : undefined,
      );
    }
    case 'const':
    case 'enum': {
      const allowed =
        e.keyword === 'const' ? [(e.params as { allowedValue: unknown }).allowedValue] : ((e.params as { allowedValues: unknown[] }).allowedValues ?? []);
      const suggestion = typeof e.data === 'string' ? didYouMean(e.data, allowed.map(String)) : undefined;
      return make(
        file.locate(path),
        'invalid-value',
        `${where} must be ${allowed.map((a) => JSON.stringify(a)).join(' or ')}, not ${describeValue(e.data)}`,
        suggestion ? `did you mean "${suggestion}"?` : undefined,
      );
    }
    case 'anyOf': {
      const branches = (parent?.anyOf as Schema[] | undefined) ?? [];
      const consts = branches.map((b) => b.const).filter((c) => c !== undefined);
      if (consts.length === branches.length) {
        const suggestion = typeof e.data === 'string' ? didYouMean(e.data, consts.map(String)) : undefined;
        return make(
          file.locate(path),
          'invalid-value',
          `${where} must be one of ${consts.map((c) => JSON.stringify(c)).join(', ')}, not ${describeValue(e.data)}`,
          suggestion ? `did you mean "${suggestion}"?` : undefined,
        );
      }
      if (branches.some((b) => b.pattern === QUANTITY_PATTERN)) return quantityDiagnostic(file, path, e.data);
      return make(file.locate(path), 'invalid-value', `${where} has an invalid value ${describeValue(e.data)}`, formatHint('', parent));
    }
    case 'pattern': {
      const pattern = (e.params as { pattern: string }).pattern;
      if (pattern === QUANTITY_PATTERN) return quantityDiagnostic(file, path, e.data);
      return make(file.locate(path), 'invalid-format', `${where} ${describeValue(e.data)} is not in the expected format`, formatHint(pattern, parent));
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const { comparison, limit } = e.params as { comparison: string; limit: number };
      return make(file.locate(path), 'out-of-range', `${where} must be ${comparison} ${limit}, not ${describeValue(e.data)}`);
    }
    case 'maxLength':
    case 'minLength': {
      const { limit } = e.params as { limit: number };
      const what = e.keyword === 'maxLength' ? `at most ${limit}` : `at least ${limit}`;
      return make(file.locate(path), 'invalid-length', `${where} must be ${what} characters long, not ${String(e.data).length}`);
    }
    case 'minItems':
    case 'maxItems':
    case 'minProperties':
    case 'maxProperties': {
      const { limit } = e.params as { limit: number };
      const what = e.keyword.startsWith('min') ? `at least ${limit}` : `at most ${limit}`;
      const unit = e.keyword.endsWith('Items') ? 'entries' : 'keys';
      return make(file.locate(path), 'invalid-length', `${where} must have ${what} ${unit}`);
    }
    case 'uniqueItems': {
      const { j } = e.params as { i: number; j: number };
      return make(file.locate([...path, j]), 'duplicate-item', `${where} lists ${describeValue((e.data as unknown[])[j])} twice`, 'remove the repeated entry');
    }
    default:
      return make(file.locate(path), 'invalid-value', `${where} ${e.message ?? 'is invalid'}`);
  }
}

function quantityDiagnostic(file: SourceFile, path: DataPath, value: unknown): Diagnostic {
  const text = String(value);
  const m = /^([0-9.]+)\s*(KB|MB|GB|TB|Kb|Mb|Gb|kb|mb|gb|KiB|MiB|GiB|TiB|g|gi|mi)$/.exec(text);
  const fix = m
    ? `write ${m[1]}${binarySuffix(m[2]!)} (binary units: Ki, Mi, Gi, Ti) or ${m[1]}${m[2]!.charAt(0).toUpperCase()} (decimal)`
    : 'use a Kubernetes quantity such as `500m`, `4`, `24Gi` or `512Mi`';
  return {
    severity: 'error',
    code: 'invalid-quantity',
    file: file.path,
    ...file.locate(path),
    message: `${dotted(path)} ${describeValue(value)} is not a valid Kubernetes quantity`,
    hint: fix,
  };
}

function binarySuffix(unit: string): string {
  return `${unit.charAt(0).toUpperCase()}i`;
}

function formatHint(pattern: string, schema: Schema | undefined): string | undefined {
  if (pattern === DNS_LABEL_PATTERN) {
    return 'use lowercase letters, digits and "-", starting with a letter and ending with a letter or digit (DNS-1123 label)';
  }
  const example = schema ? exampleOf(schema) : undefined;
  const description = typeof schema?.description === 'string' ? schema.description : undefined;
  if (description && example) return `${firstSentence(description)} For example: ${example}`;
  if (example) return `for example: ${example}`;
  return pattern ? `it must match ${pattern}` : undefined;
}

function firstSentence(text: string): string {
  const m = /^(.*?\.)(\s|$)/.exec(text);
  return m ? m[1]! : text;
}

function exampleOf(schema: Schema): string | undefined {
  const examples = schema.examples as unknown[] | undefined;
  if (!examples || examples.length === 0) return undefined;
  const first = examples[0];
  return typeof first === 'string' ? first : JSON.stringify(first);
}

function describe(schema: Schema): string {
  if (typeof schema.description !== 'string') return '';
  const sentence = firstSentence(schema.description).replace(/\.$/, '');
  return ` (${sentence})`;
}

function article(type: string): string {
  switch (type) {
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'integer':
      return 'an integer';
    default:
      return `a ${type}`;
  }
}

export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}
