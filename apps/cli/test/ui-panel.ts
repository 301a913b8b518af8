/**
 * The control panel's server for the API tests: started in-process on a free port of 127.0.0.1
 * over `root`, with a fixed session token and a stand-in web app (an index.html only), so that a
 * test talks to the JSON API as the web app does without building apps/ui.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Route } from '../src/ui-server/route.ts';
import { startPanel, type RunningPanel } from '../src/ui-server/server.ts';

/** The session token of every test panel (a real one is random). */
export const PANEL_TOKEN = 'a'.repeat(48);

/** The stand-in web app's page (ui-server.test.ts looks for its title). */
const INDEX_HTML = '<!doctype html><title>panel</title>';

export interface ApiAnswer<T> {
  readonly status: number;
  readonly data: T;
}

export interface TestPanel extends RunningPanel {
  /** The stand-in web app's folder, for a test that adds to it while the panel runs. */
  readonly staticDir: string;
  /** An API call as the web app makes it: the token in its header, `body` as JSON; the answer's JSON. */
  api<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<ApiAnswer<T>>;
  /** Stops the server and removes the stand-in web app. */
  close(): Promise<void>;
}

/**
 * Starts the panel on `root`; `routes` replace the real API, and `files` (relative path → text)
 * join index.html in the static folder.
 */
export async function startTestPanel(root: string, options: { routes?: readonly Route[]; files?: Record<string, string> } = {}): Promise<TestPanel> {
  const staticDir = mkdtempSync(join(tmpdir(), 'tritonops-ui-static-'));
  const removeStatic = () => rmSync(staticDir, { recursive: true, force: true });
  for (const [path, text] of Object.entries({ 'index.html': INDEX_HTML, ...options.files })) {
    mkdirSync(dirname(join(staticDir, path)), { recursive: true });
    writeFileSync(join(staticDir, path), text);
  }
  let panel: RunningPanel;
  try {
    panel = await startPanel({ root, port: 0, staticDir, token: PANEL_TOKEN }, options.routes);
  } catch (error) {
    removeStatic();
    throw error;
  }
  return {
    url: panel.url,
    port: panel.port,
    token: panel.token,
    state: panel.state,
    staticDir,
    api: async <T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) => {
      const response = await fetch(`http://127.0.0.1:${panel.port}${path}`, {
        method,
        headers: { 'x-tritonops-token': PANEL_TOKEN, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: response.status, data: (await response.json()) as T };
    },
    close: async () => {
      await panel.close();
      removeStatic();
    },
  };
}
