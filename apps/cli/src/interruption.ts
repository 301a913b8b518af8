/** Whether the process was asked to stop (SIGINT / SIGTERM), for commands to check at safe points. */
export const interruption: { signal?: 'SIGINT' | 'SIGTERM' } = {};

/** Lets pending signals be delivered: synchronous work runs to its end before handlers do. */
export function deliverSignals(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
