/**
 * vitest global setup: the control panel's web app (apps/ui/dist) built once for the whole run,
 * before the first test file, by the same `panelAssets` as `tritonops ui` (Vite, only when the
 * build is missing or older than apps/ui's sources). Test files running in parallel then never
 * build it at the same time. A failed build is handed to the panel tests, which fail with it;
 * the other tests are not held up by it.
 */
import type { TestProject } from 'vitest/node';
// panel.ts declares what this provides (ProvidedContext.panelAssets).
import type {} from './panel.ts';
import { panelAssets } from '../../apps/cli/src/commands/ui.ts';

export default async function setup(project: TestProject): Promise<void> {
  const log: string[] = [];
  try {
    const dir = await panelAssets({ out: (t) => log.push(t), err: (t) => log.push(t), cwd: project.config.root });
    project.provide('panelAssets', { dir });
  } catch (error) {
    project.provide('panelAssets', { failed: `the control panel's build failed: ${(error as Error).message}\n${log.join('\n')}` });
  }
}
