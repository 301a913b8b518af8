/**
 * Moving this model's release to the next environment: `tritonops promote <name> --from <env>
 * --to <next>` run by the server in-process, so the promotion gate and the rules are the CLI's.
 * Its output (the pull-request title and body) or its refusal is shown as it printed them.
 */
import { useState } from 'react';
import { ApiFailure } from '../api/client.ts';
import type { CommandResponse } from '../api/types.ts';
import { ErrorNote } from '../shell/Diagnostics.tsx';
import { modelApi } from './model-api.ts';

export function PromotePanel({ env, name, promotesTo }: { env: string; name: string; promotesTo: readonly string[] }) {
  const [busy, setBusy] = useState<string>();
  const [answer, setAnswer] = useState<{ to: string; response?: CommandResponse; failure?: { message: string; hint?: string } }>();
  if (promotesTo.length === 0) return null;

  const promote = async (to: string) => {
    setBusy(to);
    try {
      setAnswer({ to, response: await modelApi.promote({ from: env, to, names: [name] }) });
    } catch (error) {
      setAnswer({ to, failure: { message: (error as Error).message, ...(error instanceof ApiFailure && error.hint ? { hint: error.hint } : {}) } });
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <section className="promote-panel" aria-labelledby="promote-heading">
      <h2 id="promote-heading">Promote</h2>
      <p className="help">
        Only the release fields (image, repository, models, args, signatures) move, as <code>tritonops promote</code> does; the next environment keeps its
        placement, scale, canary and the rest. The release must be on the base branch here first (the promotion gate).
      </p>
      <div className="actions">
        {promotesTo.map((to) => (
          <button key={to} type="button" disabled={busy !== undefined} onClick={() => void promote(to)}>
            {busy === to ? `Promoting to ${to}…` : `Promote release to ${to}`}
          </button>
        ))}
      </div>
      {answer?.response?.ok && (
        <div role="status" className="ok-note">
          <strong>
            Promoted to {answer.to}:{' '}
            <a href={`#/models/${answer.to}/${name}`}>
              open {name} in {answer.to}
            </a>
          </strong>
          <pre>{answer.response.stdout}</pre>
        </div>
      )}
      {answer?.response && !answer.response.ok && (
        <div role="alert" className="error-note">
          <strong>tritonops promote refused (exit {answer.response.exitCode})</strong>
          <pre>{[answer.response.stderr, answer.response.stdout].filter(Boolean).join('\n')}</pre>
        </div>
      )}
      {answer?.failure && <ErrorNote message={answer.failure.message} hint={answer.failure.hint} />}
    </section>
  );
}
