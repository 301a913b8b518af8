/**
 * `#/models/<env>/<name>` and `#/models/<env>/new`: a model's spec as a form generated from the
 * JSON Schema, checked live by the server against the whole environment (each diagnostic under
 * its field), saved only when the environment validates; beside it the canary actions and the
 * promotion to the next environment. The server writes through the CLI's own rules: this page
 * never decides on its own whether an edit is allowed. Every write names the revision of the file
 * the form was loaded from, so a file changed on disk meanwhile is refused, never overwritten; the
 * form keeps the user's edits then.
 */
import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { ApiFailure } from '../api/client.ts';
import type { ApiDiagnostic, CheckResponse, EnvironmentSummary, JsonSchema, ModelDocument, ModelResponse, WriteResponse } from '../api/types.ts';
import { DiagnosticList, ErrorNote } from '../shell/Diagnostics.tsx';
import { plural } from '../shell/plural.ts';
import { useUnsavedGuard } from '../shell/unsaved.ts';
import { CanaryPanel } from './CanaryPanel.tsx';
import { setAt } from './document-path.ts';
import { pathKey, placeDiagnostics, hasDiagnosticsUnder } from './field-diagnostics.ts';
import { modelApi } from './model-api.ts';
import { PromotePanel } from './PromotePanel.tsx';
import { Collapsible, FieldErrors, Fields, type FormContext } from './SchemaForm.tsx';
import { fieldPaths, modelFields, nameRule, type DataPath } from './schema-fields.ts';

/** How long typing pauses before the server checks the edit. */
export const CHECK_DELAY_MS = 250;

const NAME_PATH: DataPath = ['metadata', 'name'];

type Failure = { message: string; hint?: string };
const failureOf = (error: unknown): Failure => ({
  message: (error as Error).message,
  ...(error instanceof ApiFailure && error.hint ? { hint: error.hint } : {}),
});

function emptyModel(schema: JsonSchema): ModelDocument {
  const apiVersion =
    ((schema.properties as Record<string, { const?: string }> | undefined)?.apiVersion?.const as string | undefined) ?? 'tritonops.dev/v1alpha1';
  return { apiVersion, kind: 'Model', metadata: { name: '' }, spec: {} };
}

export function ModelPage({ env, name }: { env: string; name?: string }) {
  const [schema, setSchema] = useState<JsonSchema>();
  const [environment, setEnvironment] = useState<EnvironmentSummary>();
  const [fatal, setFatal] = useState<Failure>();
  /** The model's name once its file exists (after a "new" model is saved too). */
  const [saved, setSaved] = useState<string | undefined>(name);
  const [loaded, setLoaded] = useState<ModelResponse>();
  /** The revision of the file the form stands on (from the GET, then each write); null while there is no file. */
  const [revision, setRevision] = useState<string | null>(null);
  const [document, setDocument] = useState<ModelDocument>();
  const [baseline, setBaseline] = useState<string>('');
  const [newName, setNewName] = useState('');
  /** Whether the environment has a model of the name typed, once the server said so. */
  const [nameCheck, setNameCheck] = useState<{ name: string; taken: boolean }>();
  const [check, setCheck] = useState<CheckResponse>();
  const [checkFailure, setCheckFailure] = useState<Failure>();
  /** The target and document the last answered check was for: until it is this edit's, a check is under way. */
  const [checkedKey, setCheckedKey] = useState<string>();
  const [badJson, setBadJson] = useState<ReadonlySet<string>>(new Set());
  const [saving, setSaving] = useState(false);
  const [written, setWritten] = useState<Extract<WriteResponse, { ok: true }>>();
  const [refused, setRefused] = useState<Extract<WriteResponse, { ok: false }>>();

  const load = useCallback(
    async (model: string) => {
      const response = await modelApi.model(env, model);
      setLoaded(response);
      setRevision(response.revision ?? null);
      setDocument(response.document);
      setBaseline(JSON.stringify(response.document));
      setCheck(undefined);
    },
    [env],
  );

  useEffect(() => {
    let live = true;
    (async () => {
      const [schemaResponse, fleet] = await Promise.all([modelApi.schema(), modelApi.fleet()]);
      if (!live) return;
      const summary = fleet.environments.find((e) => e.name === env);
      if (!summary) {
        setFatal({ message: `unknown environment "${env}"`, hint: `environments: ${fleet.environments.map((e) => e.name).join(', ')}` });
        return;
      }
      setSchema(schemaResponse);
      setEnvironment(summary);
      if (name) await load(name);
      else {
        const empty = emptyModel(schemaResponse);
        setDocument(empty);
        setBaseline(JSON.stringify(empty));
      }
    })().catch((error: unknown) => live && setFatal(failureOf(error)));
    return () => {
      live = false;
    };
  }, [env, name, load]);

  const fields = useMemo(() => (schema ? modelFields(schema) : undefined), [schema]);
  const rule = useMemo(() => (schema ? nameRule(schema) : undefined), [schema]);
  const target = saved ?? newName;
  const nameTaken = nameCheck?.name === newName ? nameCheck.taken : undefined;
  const nameProblem =
    saved || !rule
      ? undefined
      : newName === ''
        ? 'a name is needed'
        : !rule.pattern.test(newName) || newName.length > rule.maxLength
          ? `"${newName}" is not a valid name: lowercase letters, digits and "-", starting with a letter, at most ${rule.maxLength} characters`
          : nameTaken
            ? `environment "${env}" has a model "${newName}" already: open it to edit it`
            : undefined;
  const documentText = JSON.stringify(document);
  const dirty = !saved || documentText !== baseline;
  // Leaving asks first once the form holds something not on disk (a new model's untouched form holds nothing).
  useUnsavedGuard(document !== undefined && documentText !== baseline, 'The model form');

  // A new model's name: it must not be one the environment has (the server answers 404 for a free one).
  useEffect(() => {
    if (saved || !rule?.pattern.test(newName)) return;
    let live = true;
    const timer = setTimeout(() => {
      modelApi.model(env, newName).then(
        () => live && setNameCheck({ name: newName, taken: true }),
        (error: unknown) => live && setNameCheck({ name: newName, taken: !(error instanceof ApiFailure && error.status === 404) }),
      );
    }, CHECK_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [env, newName, saved, rule]);

  // The live check: a pause in typing, then the whole environment with this edit in place.
  const checkable = !!document && dirty && (!!saved || (!!rule && rule.pattern.test(newName) && newName.length <= rule.maxLength));
  const checkKey = `${target}\u0000${documentText}`;
  const checking = checkable && checkedKey !== checkKey;
  useEffect(() => {
    if (!checkable || !document) return;
    let live = true;
    const timer = setTimeout(() => {
      modelApi.check(env, target, document).then(
        (response) => {
          if (!live) return;
          setCheck(response);
          setCheckFailure(undefined);
          setCheckedKey(checkKey);
        },
        (error: unknown) => {
          if (!live) return;
          setCheckFailure(failureOf(error));
          setCheckedKey(checkKey);
        },
      );
    }, CHECK_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // checkKey stands for target and document: the check runs when the data changes, not its identity.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [checkKey, checkable, env]);

  const onChange = useCallback((path: DataPath, value: unknown) => {
    setDocument((d) => (d ? setAt(d, path, value) : d));
    setWritten(undefined);
    setRefused(undefined);
  }, []);
  const onJsonValidity = useCallback((path: DataPath, valid: boolean) => {
    setBadJson((bad) => {
      const key = pathKey(path);
      if (valid === !bad.has(key)) return bad;
      const next = new Set(bad);
      if (valid) next.delete(key);
      else next.add(key);
      return next;
    });
  }, []);

  if (fatal) {
    return (
      <>
        <h1>
          Model {name ?? 'new'} in {env}
        </h1>
        <ErrorNote message={fatal.message} hint={fatal.hint} />
      </>
    );
  }
  if (!document || !fields || !environment) {
    return (
      <>
        <h1>
          Model {name ?? 'new'} in {env}
        </h1>
        <p aria-live="polite">Loading…</p>
      </>
    );
  }

  const file = check?.file ?? loaded?.file ?? `environments/${env}/models/${newName || '<name>'}.yaml`;
  // A refusal without diagnostics (the file changed on disk) leaves the check's in place.
  const refusedDiagnostics = refused && refused.diagnostics.length > 0 ? refused.diagnostics : undefined;
  const diagnostics: readonly ApiDiagnostic[] = refusedDiagnostics ?? (dirty ? check?.diagnostics : undefined) ?? loaded?.diagnostics ?? [];
  const allFields = [...fields.metadata, ...fields.main, ...fields.more];
  // A new model's name has its own field; an existing one's problems with its name go to the list.
  const placed = placeDiagnostics(diagnostics, file, [...(saved ? [] : [NAME_PATH]), ['metadata'], ...fieldPaths(allFields)]);
  const errorCount = diagnostics.filter((d) => d.severity === 'error').length;
  const checked = !dirty || (check !== undefined && !checking);
  const canSave = dirty && checked && !saving && errorCount === 0 && badJson.size === 0 && !nameProblem && (!!saved || nameTaken === false) && !checkFailure;
  const context: FormContext = {
    document,
    onChange,
    placed,
    onJsonValidity,
    choices: (path) => (pathKey(path) === pathKey(['spec', 'gpuPool']) ? environment.pools : undefined),
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!canSave) return;
    setSaving(true);
    try {
      const response = await modelApi.save(env, target, document, revision);
      if (!response.ok) {
        setRefused(response);
        return;
      }
      setWritten(response);
      setRevision(response.revision ?? null);
      if (!saved) {
        setSaved(target);
        // The page is this model's now; replaceState does not fire hashchange, so nothing remounts.
        window.history.replaceState(null, '', `#/models/${env}/${target}`);
      }
      await load(target);
    } catch (error) {
      setCheckFailure(failureOf(error));
    } finally {
      setSaving(false);
    }
  };

  const status = checking
    ? 'Checking…'
    : checkFailure
      ? 'The check failed'
      : errorCount > 0
        ? `${plural(errorCount, 'error')}: fix ${errorCount === 1 ? 'it' : 'them'} to save`
        : !dirty
          ? 'No changes'
          : check
            ? `Valid: the environment checks clean with this edit (${check.millis} ms on the server)`
            : '';
  const metadataValue = (document.metadata as Record<string, unknown>).labels ?? (document.metadata as Record<string, unknown>).annotations;

  return (
    <div className="model-page">
      <h1>{saved ? `Model ${saved} in ${env}` : `New model in ${env}`}</h1>
      <p className="help">
        <code>{file}</code> · the form is generated from the Model JSON Schema; edits are checked with the whole environment and saved only when it validates.
      </p>
      <div className="model-columns">
        <form className="model-form" onSubmit={(e) => void save(e)} aria-label="Model spec" noValidate>
          {!saved && (
            <div className="field">
              <label htmlFor="model-name">
                name <span className="required">(required)</span>
              </label>
              <input
                id="model-name"
                type="text"
                autoComplete="off"
                value={newName}
                aria-describedby={`model-name-help${nameProblem && newName ? ' model-name-problem' : ''}`}
                {...(nameProblem && newName ? { 'aria-invalid': true } : {})}
                onChange={(e) => {
                  setNewName(e.target.value);
                  onChange(NAME_PATH, e.target.value);
                }}
              />
              <div id="model-name-help" className="help">
                {rule?.description} The file will be <code>environments/{env}/models/&lt;name&gt;.yaml</code>.
              </div>
              {nameProblem && newName && (
                <div id="model-name-problem" className="field-error">
                  {nameProblem}
                  {nameTaken && (
                    <>
                      {' '}
                      <a href={`#/models/${env}/${newName}`}>Open {newName}</a>
                    </>
                  )}
                </div>
              )}
              <FieldErrors id="model-name-errors" diagnostics={placed.byField.get(pathKey(NAME_PATH)) ?? []} />
            </div>
          )}
          <Collapsible
            title="metadata"
            path={['metadata']}
            description="Labels and annotations of the model."
            collapsible
            hasValue={metadataValue !== undefined}
            hasProblem={fields.metadata.some((f) => hasDiagnosticsUnder(placed, f.path)) || placed.byField.has(pathKey(['metadata']))}
            errors={placed.byField.get(pathKey(['metadata'])) ?? []}
          >
            <Fields fields={fields.metadata} context={context} />
          </Collapsible>
          <fieldset className="group spec-main" id="field-spec">
            <legend>spec</legend>
            <Fields fields={fields.main} context={context} />
          </fieldset>
          <Collapsible
            title="More settings"
            path={['spec', '(more)']}
            description="Everything else the spec may say: resources, cache, env, traffic, auth, slo, …"
            collapsible
            hasValue={fields.more.some((f) => document.spec[f.key] !== undefined)}
            hasProblem={fields.more.some((f) => hasDiagnosticsUnder(placed, f.path))}
          >
            <Fields fields={fields.more} context={context} />
          </Collapsible>
          <DiagnosticList diagnostics={placed.rest} title="Other problems in the environment" />
          <div className="save-bar">
            <button type="submit" className="primary" disabled={!canSave}>
              {saving ? 'Saving…' : saved ? 'Save' : 'Create model'}
            </button>
            {saved && dirty && (
              <button type="button" onClick={() => loaded && (setDocument(loaded.document), setCheck(undefined), setRefused(undefined))}>
                Discard changes
              </button>
            )}
            <span className="check-state" aria-live="polite">
              {status}
            </span>
          </div>
          {checkFailure && <ErrorNote message={checkFailure.message} hint={checkFailure.hint} />}
          {refused && <ErrorNote message={refused.message} hint={refused.hint} />}
          {written && (
            <div role="status" className="ok-note">
              <strong>{written.message ?? `Saved ${written.file}`}</strong>
              <ul className="changes">
                {written.changes.map((c, i) => (
                  <li key={i}>
                    <code>{c}</code>
                  </li>
                ))}
              </ul>
              <pre aria-label={`The file ${written.file}`}>{written.text}</pre>
            </div>
          )}
          {!written && dirty && check && (
            <details className="preview">
              <summary>The file as it would be written</summary>
              <pre>{check.text}</pre>
            </details>
          )}
        </form>
        {saved && loaded && (
          <aside className="model-actions" aria-label="Actions">
            <CanaryPanel
              env={env}
              name={saved}
              canary={loaded.document.spec.canary as Parameters<typeof CanaryPanel>[0]['canary']}
              revision={revision}
              blocked={dirty ? 'Save or discard the form’s changes first: a canary action rewrites the file.' : undefined}
              onChanged={(written) => {
                setRevision(written ?? null);
                void load(saved);
              }}
            />
            <PromotePanel env={env} name={saved} promotesTo={environment.promotesTo} />
          </aside>
        )}
      </div>
    </div>
  );
}
