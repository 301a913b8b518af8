/**
 * Commits the spec changes on a new branch (POST /api/commit): the server renders flux/ first and
 * stages only environments/ and flux/. Nothing is pushed: the answer's push and pull-request
 * commands are shown for the user to run. A change `diff` refuses (two steps in one) is not offered
 * for commit: the pull request's checks would fail it, and the server refuses it too; the form says
 * why beside the disabled button, with the first steps that are the way out.
 */
import { useState, type FormEvent } from 'react';
import { ApiFailure } from '../api/client.ts';
import type { CommitResponse } from '../api/types.ts';
import { DiagnosticList, ErrorNote } from '../shell/Diagnostics.tsx';
import { plural } from '../shell/plural.ts';
import { changesApi } from './changes-api.ts';
import { CopyCommand } from './CopyCommand.tsx';

type Committed = Extract<CommitResponse, { ok: true }>;
type Refused = Extract<CommitResponse, { ok: false }>;

/** Why the change cannot be committed as it is: diff's refusal, and each refused transition's first step. */
export interface CommitBlock {
  readonly reason: string;
  readonly firstSteps: readonly { readonly environment: string; readonly subject: string; readonly step: string }[];
}

export function CommitForm({
  initialBranch,
  initialMessage,
  blocked,
  onCommitted,
}: {
  initialBranch: string;
  initialMessage: string;
  blocked?: CommitBlock | undefined;
  onCommitted: () => void;
}) {
  const [branch, setBranch] = useState(initialBranch);
  const [message, setMessage] = useState(initialMessage);
  const [busy, setBusy] = useState(false);
  const [committed, setCommitted] = useState<Committed>();
  const [refused, setRefused] = useState<Pick<Refused, 'message' | 'hint' | 'diagnostics'>>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (blocked) return;
    setBusy(true);
    setRefused(undefined);
    setCommitted(undefined);
    try {
      const answer = await changesApi.commit({ branch, message });
      if (answer.ok) {
        setCommitted(answer);
        onCommitted();
      } else setRefused(answer);
    } catch (error) {
      setRefused({ message: (error as Error).message, ...(error instanceof ApiFailure && error.hint ? { hint: error.hint } : {}), diagnostics: [] });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="commit-form" aria-labelledby="commit-heading">
      <h2 id="commit-heading">Commit on a new branch</h2>
      <p className="help">
        Renders flux/ from the specs first (as <code>tritonops synth</code>), then commits only <code>environments/</code> and <code>flux/</code> on a new
        branch started at HEAD. Nothing is pushed.
      </p>
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor="commit-branch">Branch</label>
        <input id="commit-branch" type="text" value={branch} spellCheck={false} autoComplete="off" onChange={(e) => setBranch(e.target.value)} />
        <label htmlFor="commit-message">Message</label>
        <textarea id="commit-message" rows={8} value={message} spellCheck onChange={(e) => setMessage(e.target.value)} />
        <div className="actions">
          <button type="submit" disabled={busy || !!blocked} aria-describedby={blocked ? 'commit-blocked' : undefined}>
            {busy ? 'Committing…' : 'Commit'}
          </button>
          {blocked && (
            <div id="commit-blocked" className="commit-blocked">
              <p>
                <strong>Not committed as it is:</strong> {blocked.reason}.
              </p>
              {blocked.firstSteps.length > 0 && (
                <ul>
                  {blocked.firstSteps.map((s, i) => (
                    <li key={i}>
                      <strong>First:</strong> {s.step} (<code>{s.subject}</code> in <code>{s.environment}</code>)
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </div>
      </form>
      {refused && (
        <>
          <ErrorNote message={refused.message} hint={refused.hint} />
          <DiagnosticList diagnostics={refused.diagnostics} title="Why the specs do not validate" />
        </>
      )}
      {committed && (
        <div role="status" className="ok-note commit-result">
          <strong>
            Committed <code>{committed.commit.slice(0, 12)}</code> on the new branch <code>{committed.branch}</code>. Nothing was pushed.
          </strong>
          <p>{committed.next}</p>
          <CopyCommand label="Push command" command={committed.push} />
          {committed.pullRequest && <CopyCommand label="Pull request command" command={committed.pullRequest} />}
          <details>
            <summary>{plural(committed.files.length, 'file')} committed</summary>
            <ul>
              {committed.files.map((f) => (
                <li key={f}>
                  <code>{f}</code>
                </li>
              ))}
            </ul>
          </details>
          {committed.uncommitted.length > 0 && (
            <>
              <p>Left uncommitted (outside environments/ and flux/):</p>
              <ul>
                {committed.uncommitted.map((f) => (
                  <li key={f}>
                    <code>{f}</code>
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </section>
  );
}
