/**
 * One environment of `tritonops diff`: what the change does to the cluster (refusals first and
 * loudest), what must be done before merging, the summary in words, the changed pipelines' Mermaid
 * text, and every object's YAML diff, folded.
 */
import type { EnvironmentChanges } from '../api/types.ts';
import { plural } from '../shell/plural.ts';
import { stepLead, TRANSITION_LABELS, worstFirst } from './transitions.ts';

const OBJECT_MARK = { added: '+', removed: '-', changed: '~' } as const;

export function EnvironmentChangesView({ changes }: { changes: EnvironmentChanges }) {
  const { environment, summary, notes, objects, pipelines, transitions } = changes;
  const headingId = `changes-env-${environment}`;
  const refused = transitions.some((t) => t.class === 'two-steps');
  return (
    <section className={`changes-env${refused ? ' refused' : ''}`} aria-labelledby={headingId}>
      <h2 id={headingId}>
        Environment <code>{environment}</code>
      </h2>
      <p className="help">
        {plural(summary.length, 'change')}, {plural(objects.length, 'object')}
        {refused && <strong className="refused-mark"> · refused: needs two steps</strong>}
      </p>

      {transitions.length > 0 && (
        <>
          <h3>What this does to the cluster</h3>
          <ul className="transitions">
            {worstFirst(transitions).map((t, i) => (
              <li key={i} className={`transition ${t.class}`} data-class={t.class}>
                <span className="transition-class">{TRANSITION_LABELS[t.class]}</span> <code>{t.subject}</code>: {t.change}
                <div className="transition-effect">{t.effect}</div>
                {t.step && (
                  <div className="transition-step">
                    <strong>{stepLead(t)}</strong> {t.step}
                  </div>
                )}
                <div className="help">
                  at <code>{t.at.file}</code>
                  {t.at.path.length > 0 && (
                    <>
                      {' '}
                      (<code>{t.at.path.join('.')}</code>)
                    </>
                  )}
                </div>
              </li>
            ))}
          </ul>
        </>
      )}

      {notes.length > 0 && (
        <>
          <h3>Before merging</h3>
          <ul className="change-notes">
            {notes.map((n, i) => (
              <li key={i}>{n}</li>
            ))}
          </ul>
        </>
      )}

      {summary.length > 0 && (
        <>
          <h3>What changes</h3>
          <table className="change-summary">
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">What</th>
                <th scope="col">Before</th>
                <th scope="col">After</th>
              </tr>
            </thead>
            <tbody>
              {summary.map((s, i) => (
                <tr key={i}>
                  <td>{s.subject}</td>
                  <td>{s.what}</td>
                  <td>{s.before || '—'}</td>
                  <td>{s.after || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}

      {pipelines.length > 0 && (
        <>
          <h3>Pipelines</h3>
          {pipelines.map((p) => (
            <figure key={p.name} className="change-pipeline">
              <figcaption>
                <code>{p.name}</code> (Mermaid)
              </figcaption>
              <pre>{p.mermaid}</pre>
            </figure>
          ))}
        </>
      )}

      {objects.length > 0 && (
        <>
          <h3>Objects</h3>
          {objects.map((o) => (
            <details key={o.key} className={`object-diff ${o.change}`}>
              <summary>
                {OBJECT_MARK[o.change]} <code>{o.key}</code> {o.change} <span className="help">({o.file})</span>
              </summary>
              <pre>{o.diff}</pre>
            </details>
          ))}
        </>
      )}
    </section>
  );
}
