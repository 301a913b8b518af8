/** A command to paste into a terminal: shown as code, with a button that copies it. */
import { useState } from 'react';

export function CopyCommand({ label, command }: { label: string; command: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed'>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(command);
      setCopied('yes');
    } catch {
      // No clipboard (an insecure context, a refused permission): the text stays selectable.
      setCopied('failed');
    }
  };
  return (
    <div className="copy-command">
      <span className="copy-command-label">{label}</span>
      <code>{command}</code>
      <button type="button" aria-label={`Copy ${label.toLowerCase()}`} onClick={() => void copy()}>
        {copied === 'yes' ? 'Copied' : 'Copy'}
      </button>
      {copied === 'failed' && <span className="help">could not copy: select the command instead</span>}
    </div>
  );
}
