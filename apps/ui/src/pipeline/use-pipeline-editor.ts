/**
 * The editor's state: the document as edited, the one saved (the file as last loaded or written:
 * the edits are unsaved while the two differ), the validator's verdict on the edited one (the
 * last check), and the two ways a change lands. An ordinary edit (a step added, a timeout) is applied and then
 * checked; a wire is checked first and only applied when the validator does not refuse it. An
 * answer about a document that is no longer the current one is dropped. Each save names the file's
 * revision it was made on (from the GET, then from each write), so the server refuses it when the
 * file changed on disk meanwhile; the edits stay in the editor.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiFailure, get, post, put } from '../api/client.ts';
import type { ApiDiagnostic, CheckResponse, PipelineDocument, PipelineRequest, PipelineResponse, WriteResponse } from '../api/types.ts';
import { wireRefusal, type DataPath } from './wire-check.ts';

export type Note = { readonly message: string; readonly hint?: string | undefined };
export type SaveOutcome =
  | { readonly ok: true; readonly file: string }
  | { readonly ok: false; readonly message: string; readonly hint?: string | undefined; readonly diagnostics: readonly ApiDiagnostic[] };

const pipelinePath = (env: string, name: string) => `/api/envs/${env}/pipelines/${name}`;
/** Where a pipeline's file is, when the server did not say (it always does for a pipeline). */
export const pipelineFile = (env: string, name: string) => `environments/${env}/pipelines/${name}.yaml`;

const asNote = (error: unknown): Note =>
  error instanceof ApiFailure
    ? { message: error.message, ...(error.hint ? { hint: error.hint } : {}) }
    : { message: String((error as Error).message ?? error) };

export function usePipelineEditor(env: string, name: string) {
  const [loaded, setLoaded] = useState<PipelineResponse>();
  const [loadError, setLoadError] = useState<Note>();
  const [doc, setDocState] = useState<PipelineDocument>();
  const [savedDoc, setSavedDoc] = useState<PipelineDocument>();
  const [check, setCheck] = useState<CheckResponse>();
  const [refusal, setRefusal] = useState<Note>();
  const [saved, setSaved] = useState<SaveOutcome>();
  const [busy, setBusy] = useState(false);
  const docRef = useRef<PipelineDocument | undefined>(undefined);
  /** The revision of the file the saved document is (null: no file yet); what the next save expects on disk. */
  const revision = useRef<string | null>(null);
  // The diagnostics of the document as it is now, once its check has answered: what a wire is compared with.
  const current = useRef<Promise<readonly ApiDiagnostic[]>>(Promise.resolve([]));

  const runCheck = useCallback(
    (next: PipelineDocument): Promise<CheckResponse> => post<CheckResponse>(`${pipelinePath(env, name)}/check`, { document: next }),
    [env, name],
  );

  /** Apply `next`, then check it (the answer is kept only if no later edit came first). */
  const edit = useCallback(
    (next: PipelineDocument) => {
      docRef.current = next;
      setDocState(next);
      setRefusal(undefined);
      setSaved(undefined);
      const answer = runCheck(next).then(
        (response) => {
          if (docRef.current === next) setCheck(response);
          return response.diagnostics;
        },
        (error: unknown) => {
          if (docRef.current === next) setRefusal(asNote(error));
          return [] as readonly ApiDiagnostic[];
        },
      );
      current.current = answer;
    },
    [runCheck],
  );

  /** A wire: `build` makes the document with it from the current one; refused when the validator says so at `wirePath`. */
  const wire = useCallback(
    async (build: (doc: PipelineDocument) => PipelineDocument, wirePath: DataPath, afterApply?: (doc: PipelineDocument) => void) => {
      const before = docRef.current;
      if (!before) return;
      const next = build(before);
      if (JSON.stringify(next) === JSON.stringify(before)) return;
      try {
        const [known, response] = await Promise.all([current.current, runCheck(next)]);
        if (docRef.current !== before) return; // edited meanwhile: this wire was drawn on another document
        const refused = wireRefusal(known, response.diagnostics, response.file ?? pipelineFile(env, name), wirePath);
        if (refused) {
          setRefusal({ message: refused.message, ...(refused.hint ? { hint: refused.hint } : {}) });
          return;
        }
        docRef.current = next;
        current.current = Promise.resolve(response.diagnostics);
        setDocState(next);
        setCheck(response);
        setRefusal(undefined);
        setSaved(undefined);
        afterApply?.(next);
      } catch (error) {
        if (docRef.current === before) setRefusal(asNote(error));
      }
    },
    [runCheck, env, name],
  );

  const reload = useCallback(async () => {
    const response = await get<PipelineResponse>(pipelinePath(env, name));
    setLoaded(response);
    return response;
  }, [env, name]);

  useEffect(() => {
    let stale = false;
    get<PipelineResponse>(pipelinePath(env, name)).then(
      (response) => {
        if (stale) return;
        setLoaded(response);
        revision.current = response.revision ?? null;
        setSavedDoc(response.document);
        edit(response.document);
      },
      (error: unknown) => !stale && setLoadError(asNote(error)),
    );
    return () => {
      stale = true;
    };
  }, [env, name, edit]);

  const save = useCallback(async () => {
    const document = docRef.current;
    if (!document) return;
    setBusy(true);
    try {
      const request: PipelineRequest = { document, revision: revision.current };
      const response = await put<WriteResponse>(pipelinePath(env, name), request);
      if (response.ok) {
        // The write's revision, not the reload's: a change on disk after the write must still be refused.
        revision.current = response.revision ?? null;
        setSaved({ ok: true, file: response.file });
        setSavedDoc(document);
        await reload(); // the file now exists, and the Mermaid picture is of what was written
      } else setSaved({ ok: false, message: response.message, ...(response.hint ? { hint: response.hint } : {}), diagnostics: response.diagnostics });
    } catch (error) {
      setSaved({ ok: false, ...asNote(error), diagnostics: [] });
    } finally {
      setBusy(false);
    }
  }, [env, name, reload]);

  // Compared as the JSON the editor sends: every edit keeps the spec's key order, so equal documents are equal texts.
  const dirty = useMemo(() => doc !== undefined && savedDoc !== undefined && JSON.stringify(doc) !== JSON.stringify(savedDoc), [doc, savedDoc]);
  /** Back to the saved document (checked again, as any edit). */
  const discard = useCallback(() => savedDoc && edit(savedDoc), [savedDoc, edit]);

  return { loaded, loadError, doc, dirty, check, refusal, saved, busy, edit, wire, save, discard, dismissRefusal: () => setRefusal(undefined) };
}
