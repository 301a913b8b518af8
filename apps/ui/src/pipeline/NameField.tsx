/**
 * A name the editor asks for (a new pipeline's, a new step's): a text field with its rule's
 * `pattern` and length, and the rule's problem in words under it, announced once shown. The caller
 * decides when a problem is shown (after the first submit), so the field does not scold while typing.
 */
import type { ReactNode } from 'react';
import type { NameRule } from './names.ts';

export function NameField({
  id,
  label,
  rule,
  value,
  onChange,
  shownProblem,
  help,
}: {
  /** The prefix of the error's and the help's element ids. */
  id: string;
  label: string;
  rule: NameRule;
  value: string;
  onChange: (value: string) => void;
  shownProblem: string | undefined;
  /** Help under the field, always shown (and named by the field). */
  help?: ReactNode;
}) {
  const errorId = `${id}-error`;
  const helpId = `${id}-help`;
  const describedBy = [...(shownProblem ? [errorId] : []), ...(help ? [helpId] : [])].join(' ') || undefined;
  return (
    <>
      <label>
        {label}
        <input
          value={value}
          onChange={(e) => onChange(e.target.value)}
          pattern={rule.pattern}
          maxLength={rule.maxLength}
          required
          aria-invalid={shownProblem !== undefined || undefined}
          aria-describedby={describedBy}
        />
      </label>
      {shownProblem && (
        <span id={errorId} className="field-error" role="alert">
          {shownProblem}
        </span>
      )}
      {help && (
        <span id={helpId} className="help">
          {help}
        </span>
      )}
    </>
  );
}
