/**
 * Unsaved edits are not lost silently: while a page holds edits it has not saved, leaving it (a
 * nav link, Back, a typed URL, closing the tab) asks first. Pages say so with `useUnsavedGuard`;
 * the router (route.ts) asks `confirmLeave` before it follows a hash change.
 */
import { useEffect } from 'react';

let unsaved: string | undefined;

/** Marks the current page as holding unsaved edits (`what`, e.g. "the model form") while `dirty`. */
export function useUnsavedGuard(dirty: boolean, what: string): void {
  useEffect(() => {
    if (!dirty) return undefined;
    unsaved = what;
    const onBeforeUnload = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => {
      unsaved = undefined;
      window.removeEventListener('beforeunload', onBeforeUnload);
    };
  }, [dirty, what]);
}

/** Whether the user agrees to leave the page (always, when nothing is unsaved). */
export function confirmLeave(): boolean {
  return unsaved === undefined || window.confirm(`${unsaved} has unsaved changes. Leave this page and lose them?`);
}
