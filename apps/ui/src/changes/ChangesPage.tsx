/**
 * `#/changes`: what the working tree changes against the base branch, as `tritonops diff` says it
 * (GET /api/changes), then the form that commits the spec changes on a new branch. The server's
 * words are shown as they are; the page only arranges them.
 */
import { useEffect, useState } from 'react';
import { ApiFailure } from '../api/client.ts';
import type { ChangesResponse } from '../api/types.ts';
import { ErrorNote } from '../shell/Diagnostics.tsx';
import { changesApi } from './changes-api.ts';
import { CommitForm, type CommitBlock } from './CommitForm.tsx';
import { defaultBranch, defaultMessage } from './commit-draft.ts';
import { EnvironmentChangesView } from './EnvironmentChangesView.tsx';

export function ChangesPage() {
  const [changes, setChanges] = useState<ChangesResponse>();
  const [failure, setFailure] = useState<{ message: string; hint?: string }>();

  // Bumped after a commit: the page compares again (the branch moved, the changes are committed).
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let live = true;
    changesApi.changes().then(
      (answer) => {
        if (!live) return;
        setChanges(answer);
        setFailure(undefined);
      },
      (error: unknown) => {
        if (live) setFailure({ message: (error as Error).message, ...(error instanceof ApiFailure && error.hint ? { hint: error.hint } : {}) });
      },
    );
    return () => {
      live = false;
    };
  }, [generation]);

  return (
    <div className="changes-page">
      <h1>Changes</h1>
      {failure && <ErrorNote message={failure.message} hint={failure.hint} />}
      {!changes && !failure && <p role="status">Comparing the working tree with the base branch…</p>}
      {changes && <ChangesView changes={changes} onCommitted={() => setGeneration((g) => g + 1)} />}
    </div>
  );
}

/** diff's refusal, with the first step of each transition it refuses (what to commit on its own instead). */
function commitBlock(changes: ChangesResponse): CommitBlock | undefined {
  const reason = changes.notices?.refused;
  if (!reason) return undefined;
  const firstSteps = (changes.diff?.environments ?? []).flatMap((e) =>
    e.transitions.flatMap((t) => (t.class === 'two-steps' && t.step ? [{ environment: e.environment, subject: t.subject, step: t.step }] : [])),
  );
  return { reason, firstSteps };
}

function ChangesView({ changes, onCommitted }: { changes: ChangesResponse; onCommitted: () => void }) {
  const { diff, notices } = changes;
  return (
    <>
      <p className="changes-context">
        {changes.branch ? (
          <>
            On branch <code>{changes.branch}</code>
          </>
        ) : (
          'Not on a branch'
        )}
        {diff && (
          <>
            , against <code>{diff.base.ref}</code>
          </>
        )}
        .
      </p>

      {!changes.ok && (
        <div role="alert" className="error-note">
          <strong>tritonops diff could not compare the working tree with the base branch</strong>
          <pre>{changes.stderr}</pre>
        </div>
      )}

      {notices?.refused && (
        <div className="changes-refused">
          <strong>Refused:</strong> {notices.refused}.
        </div>
      )}

      {changes.changedSpecs.length > 0 && (
        <section aria-labelledby="changed-specs-heading">
          <h2 id="changed-specs-heading">Spec files changed since HEAD</h2>
          <ul className="changed-specs">
            {changes.changedSpecs.map((f) => (
              <li key={f}>
                <code>{f}</code>
              </li>
            ))}
          </ul>
        </section>
      )}

      {notices && notices.warnings.length > 0 && (
        <section aria-labelledby="changes-warnings-heading" className="changes-warnings">
          <h2 id="changes-warnings-heading">Warnings</h2>
          {notices.warnings.map((w, i) => (
            <div key={i} className={`changes-warning${w.new ? '' : ' old'}`}>
              <p>
                <strong>Warning:</strong> {w.headline}.
              </p>
              <pre>{[...w.diagnostics, ...(w.more ? [w.more] : [])].join('\n\n')}</pre>
            </div>
          ))}
        </section>
      )}

      {notices?.unrendered && diff && (
        <section aria-labelledby="unrendered-heading">
          <h2 id="unrendered-heading">Unrendered changes</h2>
          <p>{notices.unrendered}:</p>
          <ul>
            {diff.unrendered.map((u) => (
              <li key={u.path}>
                {u.change} <code>{u.path}</code>
              </li>
            ))}
          </ul>
        </section>
      )}

      {diff && diff.environments.length === 0 && diff.unrendered.length === 0 && <p>No changes against the base branch.</p>}
      {diff?.environments.map((e) => (
        <EnvironmentChangesView key={e.environment} changes={e} />
      ))}

      {changes.ok && (
        <details className="diff-text">
          <summary>
            As <code>tritonops diff</code> prints it
          </summary>
          <pre>{changes.text}</pre>
        </details>
      )}

      <CommitForm
        initialBranch={defaultBranch(changes.changedSpecs, new Date())}
        initialMessage={defaultMessage(diff)}
        blocked={commitBlock(changes)}
        onCommitted={onCommitted}
      />
    </>
  );
}
