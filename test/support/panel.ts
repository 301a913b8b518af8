/**
 * The control panel for a browser test: `tritonops ui`'s server started in-process on a free port
 * of 127.0.0.1, over a throw-away Git repository that looks like a team's (the bundled examples and
 * the flux/ a render makes, committed on `main`), serving the web app built once per run by
 * panel-setup.ts. In-process, so that a test reads the same files the panel writes.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { startPanel } from '../../apps/cli/src/ui-server/server.ts';
import { launchBrowser, type Browser } from './browser.ts';
import { renderedBundledWorkspace } from './workspace.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** panel-setup.ts: where the built web app is, or why it could not be built. */
    panelAssets: { dir: string } | { failed: string };
  }
}

export interface TestPanel {
  /** The URL `tritonops ui` prints: the page, with the session token in the query. */
  readonly url: string;
  /** `http://127.0.0.1:<port>`, for API calls and other pages of the panel. */
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  /** The repository the panel edits. */
  readonly root: string;
  /** An API call as the web app makes it (the token in its header). */
  api(path: string, init?: { method?: string; body?: unknown }): Promise<Response>;
  /** Stops the server, and removes the repository when the panel made it. */
  close(): Promise<void>;
}

const git = (root: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Team', '-c', 'user.email=team@example.com', '-c', 'commit.gpgsign=false', ...args], {
    cwd: root,
    encoding: 'utf8',
    stdio: 'pipe',
  });

/** A Git repository on `main` whose one commit holds the bundled environments and their rendered flux/. */
export async function bundledRepository(): Promise<{ path: string; remove: () => void }> {
  const repo = await renderedBundledWorkspace('panel');
  git(repo.path, 'init', '-q', '-b', 'main');
  git(repo.path, 'add', '-A');
  git(repo.path, 'commit', '-q', '-m', 'the bundled examples, rendered');
  return repo;
}

/** The built web app, or the build's failure as an error. */
export function panelStaticDir(): string {
  const assets = inject('panelAssets');
  if ('failed' in assets) throw new Error(assets.failed);
  return assets.dir;
}

/** Starts the panel on `root`, or on a new repository of the bundled examples when none is given. */
export async function startTestPanel(options: { root?: string } = {}): Promise<TestPanel> {
  const staticDir = panelStaticDir();
  const made = options.root === undefined ? await bundledRepository() : undefined;
  const root = options.root ?? made!.path;
  const token = randomBytes(24).toString('hex');
  let panel;
  try {
    panel = await startPanel({ root, port: 0, staticDir, token });
  } catch (error) {
    made?.remove();
    throw error;
  }
  const origin = `http://127.0.0.1:${panel.port}`;
  return {
    url: panel.url,
    origin,
    port: panel.port,
    token,
    root,
    api: (path, init = {}) =>
      fetch(new URL(path, origin), {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: { 'x-tritonops-token': token, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      }),
    close: async () => {
      await panel.close();
      made?.remove();
    },
  };
}

/**
 * A panel on the bundled examples and a Chromium for the enclosing `describe`: both started in its
 * beforeAll, closed in its afterAll. Read them inside the tests, once beforeAll has run.
 */
export function panelInBrowser(): { readonly panel: TestPanel; readonly browser: Browser } {
  let panel: TestPanel | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    [panel, browser] = await Promise.all([startTestPanel(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await panel?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the panel and its browser start in beforeAll: read them inside a test');
    return value;
  };
  return {
    get panel() {
      return started(panel);
    },
    get browser() {
      return started(browser);
    },
  };
}
