/**
 * The control panel's HTTP server: the built web app (apps/ui/dist) and a JSON API over the
 * planner, on 127.0.0.1 only, guarded by a session token (see session-guard.ts). Node's own
 * `http`: a local, single-user server needs no framework.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { lstatSync, readFileSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { ApiError, matchPath, type Route } from './route.ts';
import { PanelState } from './panel-state.ts';
import { assetsCookie, cookieValue, newSessionToken, refusal, TOKEN_HEADER } from './session-guard.ts';
import { inertText } from '../inert-output.ts';
import { reportFailure } from '../failures.ts';
import { apiRoutes } from './routes/index.ts';

export interface PanelOptions {
  readonly root: string;
  /** 0: any free port. */
  readonly port: number;
  /** The built web app: index.html and assets/. */
  readonly staticDir: string;
  /** A fixed token (tests); a random one when absent. */
  readonly token?: string;
  /** The Git ref to compare with (gate and changes); the merge base with origin/main or main when absent. */
  readonly base?: string;
}

export interface RunningPanel {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly state: PanelState;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 8 * 1024 * 1024;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Every answer: no caching of data, no framing, no sniffing, no referrer (the page URL holds the token). */
const COMMON_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
};

// React Flow positions nodes with inline styles: style-src needs 'unsafe-inline' (attributes), scripts do not.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

function send(res: ServerResponse, status: number, body: string | Buffer, type: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'content-type': type, 'cache-control': 'no-store', ...extra });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8');
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  if (req.method !== 'POST' && req.method !== 'PUT') return undefined;
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/json')) throw new ApiError(415, 'the request body must be JSON (Content-Type: application/json)');
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) throw new ApiError(413, 'the request body is too large');
  const chunks: Buffer[] = [];
  let size = 0;
  // Read to the end even past the limit (keeping nothing), so the answer reaches the client.
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
  }
  if (size > MAX_BODY_BYTES) throw new ApiError(413, 'the request body is too large');
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ApiError(400, 'the request body is not valid JSON');
  }
}

/** A file of the built app, or undefined: only regular files inside `staticDir` (no links), never `..`. */
function staticFile(staticDir: string, path: string): { bytes: Buffer; type: string } | undefined {
  let rel: string;
  try {
    rel = path === '/' ? 'index.html' : decodeURIComponent(path.slice(1));
  } catch {
    return undefined;
  }
  const full = normalize(join(staticDir, rel));
  if (!full.startsWith(staticDir + sep) || rel.includes('\0')) return undefined;
  try {
    if (!lstatSync(full).isFile()) return undefined;
    return { bytes: readFileSync(full), type: CONTENT_TYPES[extname(full)] ?? 'application/octet-stream' };
  } catch {
    return undefined;
  }
}

/** A line for the terminal: escaped, so no byte from a spec or a request can act on it. */
function logLine(text: string): void {
  process.stderr.write(`${inertText(text)}\n`);
}

export async function startPanel(options: PanelOptions, routes: readonly Route[] = apiRoutes): Promise<RunningPanel> {
  const token = options.token ?? newSessionToken();
  const assets = newSessionToken();
  const state = new PanelState(options.root, options.base);
  const staticDir = normalize(options.staticDir);
  let port = options.port;

  // One request at a time: edits read, check and write the same files; the panel has one user.
  let queue: Promise<void> = Promise.resolve();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const api = url.pathname.startsWith('/api/');
    const refused = refusal(
      {
        host: req.headers.host,
        origin: req.headers.origin,
        secFetchSite: req.headers['sec-fetch-site'] as string | undefined,
        headerToken: req.headers[TOKEN_HEADER] as string | undefined,
        cookieToken: cookieValue(req.headers.cookie, assetsCookie(port)),
        queryToken: url.searchParams.get('token') ?? undefined,
        api,
      },
      port,
      { token, assets },
    );
    if (refused) {
      if (api) sendJson(res, 403, { message: refused });
      else send(res, 403, `403 Forbidden: ${refused}\n`, 'text/plain; charset=utf-8');
      return;
    }
    if (!api) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n', 'text/plain; charset=utf-8');
      const file = staticFile(staticDir, url.pathname);
      if (!file) return send(res, 404, 'not found\n', 'text/plain; charset=utf-8');
      const extra: Record<string, string> = { 'content-security-policy': CSP };
      if (url.pathname === '/') extra['set-cookie'] = `${assetsCookie(port)}=${assets}; HttpOnly; SameSite=Strict; Path=/`;
      return send(res, 200, file.bytes, file.type, extra);
    }
    const route = routes.map((r) => ({ r, params: r.method === req.method ? matchPath(r.path, url.pathname) : undefined })).find((m) => m.params);
    if (!route) return sendJson(res, 404, { message: `no API route ${req.method} ${url.pathname}` });
    try {
      const body = await readBody(req);
      const result = await route.r.handle({ state, params: route.params!, body, query: url.searchParams });
      sendJson(res, 200, result);
    } catch (error) {
      if (error instanceof ApiError) return sendJson(res, error.status, { message: error.message, ...(error.hint ? { hint: error.hint } : {}) });
      // What the repository or the machine refused (a link in environments/, a read-only tree,
      // the lock): the CLI's own words, as the commands print them.
      const said: string[] = [];
      if (reportFailure({ out: (t) => said.push(t), err: (t) => said.push(t), cwd: options.root }, options.root, error) !== undefined) {
        const [message = 'refused', ...rest] = said.join('\n').split('\n');
        return sendJson(res, 422, { message, hint: rest.join('\n') });
      }
      logLine(`tritonops ui: internal error on ${req.method} ${url.pathname}: ${(error as Error).stack ?? String(error)}`);
      sendJson(res, 500, { message: 'internal error in tritonops: the terminal running `tritonops ui` shows the details; please report it' });
    }
  };

  const server = createServer((req, res) => {
    queue = queue
      .then(() => handle(req, res))
      .catch((error: unknown) => {
        logLine(`tritonops ui: ${String(error)}`);
        if (!res.headersSent) sendJson(res, 500, { message: 'internal error in tritonops' });
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as { port: number }).port;
  // Load and check the specs before anyone asks: the first page and the first edit then answer at once.
  state.warm();
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
