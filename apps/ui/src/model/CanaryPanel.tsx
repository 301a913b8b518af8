/**
 * A model's canary and the four actions of `tritonops canary` (start, weight, promote, remove).
 * The server applies them with the CLI's own core (planCanaryEdit), so the rules and the refusals
 * — removing a live canary, promoting what may be an older release — are the CLI's, shown as they
 * are: the change lines on success (role=status), the refusal on failure (role=alert). Each action
 * names the revision of the file the page shows, so one made on a file changed on disk is refused.
 */
import { useState, type FormEvent } from 'react';
import { ApiFailure } from '../api/client.ts';
import type { CanaryAction, CanaryResponse } from '../api/types.ts';
import { DiagnosticList, ErrorNote } from '../shell/Diagnostics.tsx';
import { modelApi } from './model-api.ts';

/** The spec's canary block, as far as the panel shows it. */
interface CanarySpec {
  image?: string;
  repository?: string;
  models?: string[];
  args?: string[];
  weight?: number;
  header?: Record<string, string>;
  mirror?: { percent?: number };
  analysis?: Record<string, unknown>;
}

type Answer =
  | { kind: 'done'; response: Extract<CanaryResponse, { ok: true }> }
  | { kind: 'refused'; response: Extract<CanaryResponse, { ok: false }> }
  | { kind: 'failed'; message: string; hint?: string };

const RELEASE_KEYS = ['repository', 'image', 'models', 'args'] as const;

function describe(value: unknown): string {
  return Array.isArray(value) ? value.join(', ') : typeof value === 'object' && value ? JSON.stringify(value) : String(value);
}

export function CanaryPanel({
  env,
  name,
  canary,
  revision,
  blocked,
  onChanged,
}: {
  env: string;
  name: string;
  canary: CanarySpec | undefined;
  /** The revision of the file the page shows: what the action expects on disk. */
  revision: string | null;
  /** Why the actions wait (unsaved form edits would be lost on reload), or undefined. */
  blocked?: string | undefined;
  /** The action was written: the file is now `revision`. */
  onChanged: (revision: string | undefined) => void;
}) {
  const [answer, setAnswer] = useState<Answer>();
  const [busy, setBusy] = useState(false);
  const [weight, setWeight] = useState(String(canary?.weight ?? 0));
  const [allowOlder, setAllowOlder] = useState(false);
  const [offerOlder, setOfferOlder] = useState(false);
  const [release, setRelease] = useState({ repository: '', image: '', models: '', weight: '10' });
  // The file changed (an action, a save): the weight input shows what it says now.
  const [shownWeight, setShownWeight] = useState(canary?.weight);
  if (shownWeight !== canary?.weight) {
    setShownWeight(canary?.weight);
    setWeight(String(canary?.weight ?? 0));
  }

  const run = async (action: CanaryAction) => {
    setBusy(true);
    try {
      const response = await modelApi.canary(env, name, action, revision);
      if (response.ok) {
        setAnswer({ kind: 'done', response });
        setOfferOlder(false);
        setAllowOlder(false);
        onChanged(response.revision);
      } else {
        setAnswer({ kind: 'refused', response });
        if ('olderRelease' in response && response.olderRelease) setOfferOlder(true);
      }
    } catch (error) {
      setAnswer({ kind: 'failed', message: (error as Error).message, ...(error instanceof ApiFailure && error.hint ? { hint: error.hint } : {}) });
    } finally {
      setBusy(false);
    }
  };

  const start = (e: FormEvent) => {
    e.preventDefault();
    const models = release.models
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean);
    void run({
      action: 'start',
      release: {
        ...(release.repository.trim() ? { repository: release.repository.trim() } : {}),
        ...(release.image.trim() ? { image: release.image.trim() } : {}),
        ...(models.length > 0 ? { models } : {}),
      },
      weight: Number(release.weight),
    });
  };

  const setTraffic = (e: FormEvent) => {
    e.preventDefault();
    void run({ action: 'weight', weight: Number(weight) });
  };

  const disabled = busy || !!blocked;
  // What still routes requests to the canary: promoting (or removing) it in the same change as its
  // routes is what `tritonops diff` calls two steps (docs/transitions.md), and the commit refuses it.
  const routes = canary
    ? [
        canary.weight ? `${canary.weight}% of the traffic` : undefined,
        canary.header ? 'a header route' : undefined,
        canary.mirror ? 'mirrored traffic' : undefined,
      ].filter(Boolean)
    : [];
  const releaseOf = canary ? RELEASE_KEYS.filter((k) => canary[k] !== undefined) : [];

  return (
    <section className="canary-panel" aria-labelledby="canary-heading">
      <h2 id="canary-heading">Canary</h2>
      {blocked && <p className="help">{blocked}</p>}
      {canary ? (
        <>
          <dl className="facts">
            <dt>release</dt>
            <dd>{releaseOf.length > 0 ? releaseOf.map((k) => `${k} ${describe(canary[k])}`).join('; ') : 'the stable release (Flagger analysis)'}</dd>
            <dt>weight</dt>
            <dd>{canary.weight !== undefined ? `${canary.weight}%` : '—'}</dd>
            {canary.header && (
              <>
                <dt>header</dt>
                <dd>
                  {Object.entries(canary.header)
                    .map(([k, v]) => `${k}: ${v}`)
                    .join(', ')}
                </dd>
              </>
            )}
            {canary.mirror && (
              <>
                <dt>mirror</dt>
                <dd>{canary.mirror.percent ?? 100}% of the traffic</dd>
              </>
            )}
            {canary.analysis && (
              <>
                <dt>analysis</dt>
                <dd>{describe(canary.analysis)}</dd>
              </>
            )}
          </dl>
          <form className="inline-form" onSubmit={setTraffic}>
            <label htmlFor="canary-weight">Weight (percent)</label>
            <input id="canary-weight" type="number" min={0} max={100} step={1} value={weight} onChange={(e) => setWeight(e.target.value)} />
            <button type="submit" disabled={disabled || weight === ''}>
              Set weight
            </button>
          </form>
          <div className="actions">
            <button
              type="button"
              disabled={disabled}
              aria-describedby={routes.length > 0 ? 'canary-routed-note' : undefined}
              onClick={() => void run({ action: 'promote', ...(allowOlder ? { allowOlder: true } : {}) })}
            >
              Promote canary
            </button>
            {offerOlder && (
              <span className="checkbox-row">
                <input id="canary-allow-older" type="checkbox" checked={allowOlder} onChange={(e) => setAllowOlder(e.target.checked)} />
                <label htmlFor="canary-allow-older">allow older (rollback)</label>
              </span>
            )}
            <button type="button" disabled={disabled} onClick={() => void run({ action: 'remove' })}>
              Remove canary
            </button>
          </div>
          {routes.length > 0 && (
            <p id="canary-routed-note" className="help">
              The canary still gets {routes.join(' and ')}: promoting it now takes its routes and its pods away in one change, which
              <code> tritonops diff</code> calls two steps and the commit refuses. First set the weight to 0 and drop the header and mirror, merge that; then
              promote.
            </p>
          )}
        </>
      ) : (
        <form onSubmit={start} aria-label="Start a canary">
          <p className="help">No canary. Start one with the release to try (any of repository, image, models; the rest is the stable release&apos;s).</p>
          <label htmlFor="canary-repository">repository</label>
          <input
            id="canary-repository"
            type="text"
            placeholder="s3://…"
            value={release.repository}
            onChange={(e) => setRelease({ ...release, repository: e.target.value })}
          />
          <label htmlFor="canary-image">image</label>
          <input id="canary-image" type="text" value={release.image} onChange={(e) => setRelease({ ...release, image: e.target.value })} />
          <label htmlFor="canary-models">models</label>
          <input
            id="canary-models"
            type="text"
            aria-describedby="canary-models-help"
            value={release.models}
            onChange={(e) => setRelease({ ...release, models: e.target.value })}
          />
          <div id="canary-models-help" className="help">
            Triton models, comma-separated.
          </div>
          <label htmlFor="canary-start-weight">Weight (percent)</label>
          <input
            id="canary-start-weight"
            type="number"
            min={0}
            max={100}
            step={1}
            value={release.weight}
            onChange={(e) => setRelease({ ...release, weight: e.target.value })}
          />
          <div className="actions">
            <button type="submit" disabled={disabled}>
              Start canary
            </button>
          </div>
        </form>
      )}
      {answer?.kind === 'done' && (
        <div role="status" className="ok-note">
          <strong>{answer.response.message ?? `wrote ${answer.response.file}`}</strong>
          <ul className="changes">
            {answer.response.changes.map((c, i) => (
              <li key={i}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
      {answer?.kind === 'refused' && (
        <>
          <ErrorNote message={answer.response.message} hint={answer.response.hint} />
          <DiagnosticList diagnostics={answer.response.diagnostics} title="Why the canary edit was refused" />
        </>
      )}
      {answer?.kind === 'failed' && <ErrorNote message={answer.message} hint={answer.hint} />}
    </section>
  );
}
