/** The validators' findings as a list: file:line:col, message and hint, as `tritonops validate` prints them. */
import type { ApiDiagnostic } from '../api/types.ts';
import { plural } from './plural.ts';

export function DiagnosticList({ diagnostics, title = 'Problems' }: { diagnostics: readonly ApiDiagnostic[]; title?: string }) {
  if (diagnostics.length === 0) return null;
  return (
    <section className="diagnostics" aria-label={title}>
      <h2>
        {title} ({plural(diagnostics.filter((d) => d.severity === 'error').length, 'error')},{' '}
        {plural(diagnostics.filter((d) => d.severity === 'warning').length, 'warning')})
      </h2>
      <ul>
        {diagnostics.map((d, i) => (
          <li key={i} className={`diagnostic ${d.severity}`}>
            <code>
              {d.file}:{d.line}:{d.col}
            </code>{' '}
            <strong>{d.severity}</strong> {d.message}
            {d.hint && <div className="hint">hint: {d.hint}</div>}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** A refusal or failure from the server, in the server's words. */
export function ErrorNote({ message, hint }: { message: string; hint?: string | undefined }) {
  return (
    <div role="alert" className="error-note">
      <strong>{message}</strong>
      {hint && <div className="hint">hint: {hint}</div>}
    </div>
  );
}
