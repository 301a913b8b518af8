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
                {...(i === 0 ? { id: aria.id as string, ...(aria['aria-describedby'] ? { 'aria-describedby': aria['aria-describedby'] as string } : {}) } : {})}
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
          <button type="button" {...(rows.length === 0 ? { id: aria.id as string } : {})} onClick={() => put([...rows, ''])}>
            Add {nameOf(field)}
          </button>
        </div>
      )}
    </Frame>
  );
}

function MapField({ field, context }: { field: Field; context: FormContext }) {
  const value = getAt(context.document, field.path);
  const entries =
    value && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]) : [];
  // Rows live here while a key is being typed (two empty keys cannot both be in the document).
  const [rows, setRows] = useState<string[][]>(entries);
  const fromRows = (list: string[][]) => Object.fromEntries(list.filter(([k]) => k !== ''));
  // The document changed from elsewhere (a reload): show it, unless it is what the rows say.
  const valueText = JSON.stringify(value);
  const [shown, setShown] = useState(valueText);
  if (shown !== valueText) {
    setShown(valueText);
    if (JSON.stringify(fromRows(rows)) !== JSON.stringify(Object.fromEntries(entries))) setRows(entries);
  }
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
                {...(i === 0 ? { id: aria.id as string, ...(aria['aria-describedby'] ? { 'aria-describedby': aria['aria-describedby'] as string } : {}) } : {})}
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
          <button type="button" {...(rows.length === 0 ? { id: aria.id as string } : {})} onClick={() => setRows([...rows, ['', '']])}>
            Add {nameOf(field)} entry
          </button>
        </div>
      )}
    </Frame>
  );
}

const asJson = (value: unknown) => (value === undefined ? '' : JSON.stringify(value, null, 2));

function JsonField({ field, context }: { field: Field; context: FormContext }) {
  const value = getAt(context.document, field.path);
  const [text, setText] = useState(asJson(value));
  const [problem, setProblem] = useState<string>();
  // The document changed from elsewhere (a reload): show it, unless it is what is typed here.
  const valueText = JSON.stringify(value);
  const [shown, setShown] = useState(valueText);
  if (shown !== valueText) {
    setShown(valueText);
    let typed: unknown;
    try {
      typed = text.trim() === '' ? undefined : JSON.parse(text);
    } catch {
      typed = Symbol('unparsed');
    }
    if (typeof typed === 'symbol' || JSON.stringify(typed) !== valueText) setText(asJson(value));
  }
  const edit = (next: string) => {
    setText(next);
    if (next.trim() === '') {
      setProblem(undefined);
      context.onJsonValidity?.(field.path, true);
      context.onChange(field.path, undefined);
      return;
    }
    try {
      const parsed: unknown = JSON.parse(next);
      setProblem(undefined);
      context.onJsonValidity?.(field.path, true);
      context.onChange(field.path, parsed);
    } catch (error) {
      setProblem(`not valid JSON: ${(error as Error).message}`);
      context.onJsonValidity?.(field.path, false);
    }
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

export function FieldView({ field, context }: { field: Field; context: FormContext }) {
  switch (field.kind) {
    case 'text':
      return <TextField field={field} context={context} />;
    case 'select':
      return <SelectField field={field} context={context} />;
    case 'number':
      return <NumberField field={field} context={context} />;
    case 'boolean':
      return <BooleanField field={field} context={context} />;
    case 'list':
      return <ListField field={field} context={context} />;
    case 'map':
      return <MapField field={field} context={context} />;
    case 'json':
      return <JsonField field={field} context={context} />;
    case 'group':
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
