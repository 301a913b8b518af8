/**
 * Draws the fields schema-fields.ts read from the JSON Schema: one input per property, the
 * schema's description as help text (aria-describedby), its default as the placeholder, and the
 * validator's diagnostics under the field they are about. Inputs are controlled by the document;
 * an emptied input removes its key (document-path.ts), so only what the user set is written.
 */
import { useId, useState, type ReactNode } from 'react';
import type { ApiDiagnostic } from '../api/types.ts';
import { getAt } from './document-path.ts';
import { hasDiagnosticsUnder, pathKey, type PlacedDiagnostics } from './field-diagnostics.ts';
import type { DataPath, Field } from './schema-fields.ts';

export interface FormContext {
  readonly document: unknown;
  readonly onChange: (path: DataPath, value: unknown) => void;
  readonly placed: PlacedDiagnostics;
  /** Choices the schema cannot know (the environment's GPU pools), by field path. */
  readonly choices?: (path: DataPath) => readonly string[] | undefined;
  /** A JSON subtree the user is typing is not valid JSON yet (it is not put in the document meanwhile). */
  readonly onJsonValidity?: (path: DataPath, valid: boolean) => void;
}

const fieldId = (path: DataPath) => `field-${path.join('-')}`;

/** The objects a field sits in below `spec`/`metadata` (`canary autoscaling`): `image` and `canary image` are two names. */
const contextOf = (field: Field) => field.path.slice(1, -1).join(' ');
/** The field's accessible name: its key, after the objects it sits in. */
export const nameOf = (field: Field) => [contextOf(field), field.key].filter(Boolean).join(' ');

/** The key as shown, with the enclosing objects' names for assistive technology only (the fieldset shows them). */
function FieldName({ field }: { field: Field }) {
  const context = contextOf(field);
  return (
    <>
      {context && <span className="visually-hidden">{context} </span>}
      {field.key}
    </>
  );
}

export function FieldErrors({ id, diagnostics }: { id: string; diagnostics: readonly ApiDiagnostic[] }) {
  if (diagnostics.length === 0) return null;
  return (
    <ul id={id} className="field-errors">
      {diagnostics.map((d, i) => (
        <li key={i} className={`field-${d.severity}`}>
          {d.severity === 'warning' ? 'warning: ' : ''}
          {d.message}
          {d.hint && <div className="hint">hint: {d.hint}</div>}
        </li>
      ))}
    </ul>
  );
}

const placeholderOf = (field: Field) =>
  field.defaultValue !== undefined && (typeof field.defaultValue === 'string' || typeof field.defaultValue === 'number')
    ? String(field.defaultValue)
    : undefined;

/** Label, input, help and errors of one field, wired together for assistive technology. */
function Frame({
  field,
  context,
  note,
  children,
}: {
  field: Field;
  context: FormContext;
  note?: string;
  children: (aria: Record<string, unknown>) => ReactNode;
}) {
  const id = fieldId(field.path);
  const errors = context.placed.byField.get(pathKey(field.path)) ?? [];
  const described = [field.description || note ? `${id}-help` : '', errors.length > 0 ? `${id}-errors` : ''].filter(Boolean).join(' ');
  const aria = {
    id,
    ...(described ? { 'aria-describedby': described } : {}),
    ...(errors.some((d) => d.severity === 'error') ? { 'aria-invalid': true } : {}),
  };
  const checkbox = field.kind === 'boolean';
  return (
    <div className={`field field-${field.kind}`}>
      {checkbox ? (
        <div className="checkbox-row">
          {children(aria)}
          <label htmlFor={id}>
            <FieldName field={field} />
          </label>
        </div>
      ) : (
        <>
          <label htmlFor={id}>
            <FieldName field={field} />
            {field.required && <span className="required"> (required)</span>}
          </label>
          {children(aria)}
        </>
      )}
      {(field.description || note) && (
        <div id={`${id}-help`} className="help">
          {field.description}
          {note && ` ${note}`}
        </div>
      )}
      <FieldErrors id={`${id}-errors`} diagnostics={errors} />
    </div>
  );
}

function TextField({ field, context }: { field: Field; context: FormContext }) {
  const value = getAt(context.document, field.path);
  const choices = context.choices?.(field.path);
  if (choices) return <SelectField field={{ ...field, kind: 'select', options: choices }} context={context} />;
  const placeholder = placeholderOf(field);
  return (
    <Frame field={field} context={context}>
      {(aria) => (
        <input
          {...aria}
          type="text"
          value={value === undefined || value === null ? '' : String(value)}
          {...(placeholder !== undefined ? { placeholder } : {})}
          onChange={(e) => context.onChange(field.path, e.target.value === '' ? undefined : e.target.value)}
        />
      )}
    </Frame>
  );
}

function SelectField({ field, context }: { field: Field & { kind: 'select' }; context: FormContext }) {
  const value = getAt(context.document, field.path);
  const current = typeof value === 'string' ? value : '';
  // A value the choices lack (a pool the environment does not have) stays visible: its error says why.
  const options = current && !field.options.includes(current) ? [...field.options, current] : field.options;
  const unset = field.defaultValue !== undefined ? `(not set: ${String(field.defaultValue)})` : '(not set)';
  return (
    <Frame field={field} context={context}>
      {(aria) => (
        <select {...aria} value={current} onChange={(e) => context.onChange(field.path, e.target.value === '' ? undefined : e.target.value)}>
          <option value="">{unset}</option>
          {options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      )}
    </Frame>
  );
}

function NumberField({ field, context }: { field: Field & { kind: 'number' }; context: FormContext }) {
  const value = getAt(context.document, field.path);
  const placeholder = placeholderOf(field);
  return (
    <Frame field={field} context={context}>
      {(aria) => (
        <input
          {...aria}
          type="number"
          inputMode={field.integer ? 'numeric' : 'decimal'}
          step={field.integer ? 1 : 'any'}
          {...(field.min !== undefined ? { min: field.min } : {})}
          {...(field.max !== undefined ? { max: field.max } : {})}
          {...(placeholder !== undefined ? { placeholder } : {})}
          value={typeof value === 'number' ? value : ''}
          onChange={(e) => context.onChange(field.path, e.target.value === '' ? undefined : Number(e.target.value))}
        />
      )}
    </Frame>
  );
}

function BooleanField({ field, context }: { field: Field; context: FormContext }) {
  const value = getAt(context.document, field.path);
  const fallback = field.defaultValue === true;
  return (
    <Frame field={field} context={context}>
      {(aria) => (
        <input
          {...aria}
          type="checkbox"
          checked={typeof value === 'boolean' ? value : fallback}
          // Back to the default: the key goes, as if never written.
          onChange={(e) => context.onChange(field.path, e.target.checked === fallback ? undefined : e.target.checked)}
        />
      )}
    </Frame>
  );
}

/**
 * A list's rows share the field's label: the first row's input takes the field's id and help (the
 * label points at it), or, with no rows, the Add button takes the id.
 */
const firstRowAria = (aria: Record<string, unknown>, row: number) =>
  row === 0 ? { id: aria.id as string, ...(aria['aria-describedby'] ? { 'aria-describedby': aria['aria-describedby'] as string } : {}) } : {};
const addButtonAria = (aria: Record<string, unknown>, rows: number) => (rows === 0 ? { id: aria.id as string } : {});

function ListField({ field, context }: { field: Field; context: FormContext }) {
  const value = getAt(context.document, field.path);
  const rows = Array.isArray(value) ? value.map(String) : [];
  const put = (next: string[]) => context.onChange(field.path, next.length === 0 ? undefined : next);
  return (
    <Frame field={field} context={context}>
      {(aria) => (
        <div className="list-editor">
          {rows.map((row, i) => (
            <div className="row" key={i}>
              <input
                {...firstRowAria(aria, i)}
                type="text"
                aria-label={`${nameOf(field)} ${i + 1}`}
                value={row}
                onChange={(e) => put(rows.map((r, j) => (j === i ? e.target.value : r)))}
              />
              <button type="button" aria-label={`Remove row ${i + 1} of ${nameOf(field)}`} onClick={() => put(rows.filter((_, j) => j !== i))}>
                ✕
              </button>
            </div>
          ))}
          <button type="button" {...addButtonAria(aria, rows.length)} onClick={() => put([...rows, ''])}>
            Add {nameOf(field)}
          </button>
        </div>
      )}
    </Frame>
  );
}

/**
 * A field that keeps what is being typed in its own state (a map's rows, JSON text) follows the
 * document when it changes from elsewhere (a reload): `resync` runs, during render, when `value`
 * differs from the one last seen, and decides whether what is typed already says the same.
 */
function useOnExternalChange(value: unknown, resync: (valueText: string) => void) {
  const valueText = JSON.stringify(value);
  const [shown, setShown] = useState(valueText);
  if (shown !== valueText) {
    setShown(valueText);
    resync(valueText);
  }
}

function MapField({ field, context }: { field: Field; context: FormContext }) {
  const value = getAt(context.document, field.path);
  const entries =
    value && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]) : [];
  // Rows live here while a key is being typed (two empty keys cannot both be in the document).
  const [rows, setRows] = useState<string[][]>(entries);
  const fromRows = (list: string[][]) => Object.fromEntries(list.filter(([k]) => k !== ''));
  // Shown again unless it is what the rows say.
  useOnExternalChange(value, () => {
    if (JSON.stringify(fromRows(rows)) !== JSON.stringify(Object.fromEntries(entries))) setRows(entries);
  });
  const put = (next: string[][]) => {
    setRows(next);
    const data = fromRows(next);
    context.onChange(field.path, Object.keys(data).length === 0 ? undefined : data);
  };
  return (
    <Frame field={field} context={context}>
      {(aria) => (
        <div className="map-editor">
          {rows.map(([k, v], i) => (
            <div className="row" key={i}>
              <input
                {...firstRowAria(aria, i)}
                type="text"
                aria-label={`${nameOf(field)} name ${i + 1}`}
                value={k}
                onChange={(e) => put(rows.map((r, j) => (j === i ? [e.target.value, r[1]!] : r)))}
              />
              <input
                type="text"
                aria-label={`${nameOf(field)} value ${i + 1}`}
                value={v}
                onChange={(e) => put(rows.map((r, j) => (j === i ? [r[0]!, e.target.value] : r)))}
              />
              <button type="button" aria-label={`Remove ${k || `row ${i + 1}`} from ${nameOf(field)}`} onClick={() => put(rows.filter((_, j) => j !== i))}>
                ✕
              </button>
            </div>
          ))}
          <button type="button" {...addButtonAria(aria, rows.length)} onClick={() => setRows([...rows, ['', '']])}>
            Add {nameOf(field)} entry
          </button>
        </div>
      )}
    </Frame>
  );
}

const asJson = (value: unknown) => (value === undefined ? '' : JSON.stringify(value, null, 2));

/** What JSON text holds (an empty text: nothing), or why it is not JSON. */
function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; problem: string } {
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, problem: `not valid JSON: ${(error as Error).message}` };
  }
}

function JsonField({ field, context }: { field: Field; context: FormContext }) {
  const value = getAt(context.document, field.path);
  const [text, setText] = useState(asJson(value));
  const [problem, setProblem] = useState<string>();
  // Shown again unless it is what is typed here.
  useOnExternalChange(value, (valueText) => {
    const typed = parseJsonText(text);
    if (!typed.ok || JSON.stringify(typed.value) !== valueText) setText(asJson(value));
  });
  const edit = (next: string) => {
    setText(next);
    const parsed = parseJsonText(next);
    setProblem(parsed.ok ? undefined : parsed.problem);
    context.onJsonValidity?.(field.path, parsed.ok);
    if (parsed.ok) context.onChange(field.path, parsed.value);
  };
  const id = fieldId(field.path);
  return (
    <Frame field={field} context={context} note="(Edited as JSON: this part is too varied for form fields.)">
      {(aria) => (
        <>
          <textarea
            {...aria}
            {...(problem ? { 'aria-invalid': true, 'aria-errormessage': `${id}-json` } : {})}
            className="json-editor"
            rows={Math.min(14, Math.max(3, text.split('\n').length))}
            spellCheck={false}
            value={text}
            onChange={(e) => edit(e.target.value)}
          />
          {problem && (
            <div id={`${id}-json`} className="field-error">
              {problem}
            </div>
          )}
        </>
      )}
    </Frame>
  );
}

/** A fieldset whose content can fold away (the legend's button); open while it holds a value or a problem. */
export function Collapsible({
  title,
  path,
  description,
  collapsible,
  hasValue,
  hasProblem,
  errors,
  children,
}: {
  title: ReactNode;
  path: DataPath;
  description?: string | undefined;
  collapsible: boolean;
  hasValue: boolean;
  hasProblem: boolean;
  errors?: readonly ApiDiagnostic[];
  children: ReactNode;
}) {
  const [chosen, setChosen] = useState<boolean>();
  const bodyId = useId();
  const open = !collapsible || hasProblem || (chosen ?? hasValue);
  const id = fieldId(path);
  return (
    <fieldset className={`group${collapsible ? ' collapsible' : ''}`} id={id} {...(description ? { 'aria-describedby': `${id}-help` } : {})}>
      <legend>
        {collapsible ? (
          <button type="button" className="fold" aria-expanded={open} aria-controls={bodyId} onClick={() => setChosen(!open)}>
            <span aria-hidden="true">{open ? '▾' : '▸'}</span> {title}
            {!open && hasValue && <span className="set-mark"> (set)</span>}
          </button>
        ) : (
          title
        )}
      </legend>
      {description && (
        <div id={`${id}-help`} className="help">
          {description}
        </div>
      )}
      <FieldErrors id={`${id}-errors`} diagnostics={errors ?? []} />
      <div id={bodyId} hidden={!open}>
        {open && children}
      </div>
    </fieldset>
  );
}

type FieldProps<K extends Field['kind']> = { field: Field & { kind: K }; context: FormContext };

/** The input of each kind of field but a group (a fieldset of fields, drawn by FieldView). */
const INPUTS: { [K in Exclude<Field['kind'], 'group'>]: (props: FieldProps<K>) => ReactNode } = {
  text: TextField,
  select: SelectField,
  number: NumberField,
  boolean: BooleanField,
  list: ListField,
  map: MapField,
  json: JsonField,
};

export function FieldView({ field, context }: { field: Field; context: FormContext }) {
  if (field.kind !== 'group') {
    // The table pairs each kind with its input; TypeScript cannot follow `field.kind` into the lookup.
    const Input = INPUTS[field.kind] as (props: FieldProps<typeof field.kind>) => ReactNode;
    return <Input field={field} context={context} />;
  }
  return (
    <Collapsible
      title={<FieldName field={field} />}
      path={field.path}
      description={field.description}
      collapsible={field.collapsible}
      hasValue={getAt(context.document, field.path) !== undefined}
      hasProblem={hasDiagnosticsUnder(context.placed, field.path)}
      errors={context.placed.byField.get(pathKey(field.path)) ?? []}
    >
      <Fields fields={field.children} context={context} />
    </Collapsible>
  );
}

export function Fields({ fields, context }: { fields: readonly Field[]; context: FormContext }) {
  return (
    <>
      {fields.map((f) => (
        <FieldView key={pathKey(f.path)} field={f} context={context} />
      ))}
    </>
  );
}
