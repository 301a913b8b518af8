/**
 * The control panel can write spec files, so only the page it served may talk to it. Over plain
 * HTTP (where a test sets any header, Host included): no token, a wrong token, a foreign Origin,
 * a foreign Host (DNS rebinding) are refused, and no path leaves the built app. In Chromium: the
 * URL with the token opens the fleet page and drops the token from the address bar; a page of
 * another origin that posts to the API gets nothing and changes no file.
 */
import { execFileSync } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable } from '../support/browser.ts';
import { panelInBrowser, startTestPanel, type TestPanel } from '../support/panel.ts';
import { snapshotDir } from '../support/workspace.ts';

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** One request with exactly these headers and this raw path (no URL normalising, any Host). */
function raw(port: number, path: string, headers: Record<string, string>, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('who may talk to the control panel', () => {
  let panel: TestPanel;
  let host: string;
  beforeAll(async () => {
    panel = await startTestPanel();
    host = `127.0.0.1:${panel.port}`;
  });
  afterAll(() => panel?.close());

  it('answers its own page and API with the token (the control for every refusal below)', async () => {
    const page = await raw(panel.port, `/?token=${panel.token}`, { host });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="root">');
    const api = await raw(panel.port, '/api/fleet', { host, 'x-tritonops-token': panel.token, origin: `http://${host}` });
    expect(api.status, api.body).toBe(200);
    expect((JSON.parse(api.body) as { rows: { name: string }[] }).rows.map((r) => r.name)).toContain('image-classification');
  });

  it('refuses a request without the token', async () => {
    for (const path of ['/api/fleet', '/', '/index.html']) {
      const answer = await raw(panel.port, path, { host });
      expect(answer.status, path).toBe(403);
      expect(answer.body, path).toMatch(/session token/);
    }
  });

  it('refuses a wrong token, and a token in the query of an API call (the API takes the header only)', async () => {
    const wrong = 'f'.repeat(panel.token.length);
    expect((await raw(panel.port, '/api/fleet', { host, 'x-tritonops-token': wrong })).status).toBe(403);
    expect((await raw(panel.port, '/api/fleet', { host, 'x-tritonops-token': panel.token.slice(0, -1) })).status).toBe(403);
    expect((await raw(panel.port, `/?token=${wrong}`, { host })).status).toBe(403);
    expect((await raw(panel.port, '/', { host, cookie: `tritonops-assets-${panel.port}=${wrong}` })).status).toBe(403);
    // The API token is not the assets cookie: a cookie reaches every port of 127.0.0.1, the token must not.
    expect((await raw(panel.port, '/', { host, cookie: `tritonops-assets-${panel.port}=${panel.token}` })).status).toBe(403);
    expect((await raw(panel.port, `/api/fleet?token=${panel.token}`, { host })).status).toBe(403);
  });

  it('refuses a foreign Origin, even with the token', async () => {
    for (const origin of ['http://evil.example', `http://127.0.0.1:${panel.port + 1}`, 'null']) {
      const api = await raw(panel.port, '/api/fleet', { host, origin, 'x-tritonops-token': panel.token });
      expect(api.status, origin).toBe(403);
      expect(api.body, origin).toMatch(/foreign Origin/);
      expect((await raw(panel.port, `/?token=${panel.token}`, { host, origin })).status, origin).toBe(403);
    }
  });

  it('refuses a foreign Host, even with the token (DNS rebinding: the attacker’s name is in Host)', async () => {
    for (const foreign of [`evil.example:${panel.port}`, `127.0.0.1.nip.io:${panel.port}`, `127.0.0.1:${panel.port + 1}`, '127.0.0.1']) {
      const api = await raw(panel.port, '/api/fleet', { host: foreign, 'x-tritonops-token': panel.token });
      expect(api.status, foreign).toBe(403);
      expect(api.body, foreign).toMatch(/unknown Host/);
      expect((await raw(panel.port, `/?token=${panel.token}`, { host: foreign })).status, foreign).toBe(403);
    }
  });

  it('serves no file outside the built app', async () => {
    const paths = [
      '/../package.json',
      '/%2e%2e/package.json',
      '/%2E%2E/%2E%2E/package.json',
      '/..%2fpackage.json',
      '/%2e%2e%2f%2e%2e%2fpackage.json',
      '/assets/..%2f..%2fpackage.json',
      '/assets/%2e%2e/%2e%2e/%2e%2e/package.json',
      '/..%5cpackage.json',
      '/%2e%2e/src/main.tsx',
      '/index.html%00.png',
    ];
    for (const path of paths) {
      const answer = await raw(panel.port, `${path}?token=${panel.token}`, { host });
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).not.toContain('"name"');
    }
  });
});

describe.skipIf(browserUnavailable() !== undefined)(`the control panel in Chromium${browserUnavailable() ? ` (skipped: ${browserUnavailable()})` : ''}`, () => {
  const ui = panelInBrowser();

  it('opens the fleet page from the printed URL, and the token leaves the address bar', async () => {
    const page = await ui.browser.newPage();
    await page.goto(ui.panel.url);
    await expect.poll(() => page.locator('h1').count()).toBe(1);
    await expect.poll(() => page.locator('h1').textContent()).toMatch(/fleet/i);
    expect(await page.getByRole('link', { name: 'Fleet' }).getAttribute('aria-current')).toBe('page');
    await expect.poll(() => page.url()).not.toContain('token');
    expect(page.url().startsWith(`${ui.panel.origin}/`)).toBe(true);
    // The page's own cookie carries a reload without the token in the URL.
    const reload = await page.reload();
    expect(reload?.status()).toBe(200);
    await expect.poll(() => page.locator('h1').textContent()).toMatch(/fleet/i);
    await page.close();
  });

  it('gives a page of another origin nothing: its fetches and form posts are refused, and no file changes', async () => {
    const watched = () => ({ environments: snapshotDir(join(ui.panel.root, 'environments')), flux: snapshotDir(join(ui.panel.root, 'flux')) });
    const before = watched();
    expect(before.environments.size).toBeGreaterThan(0);
    // The browser has been on the panel: its SameSite cookie goes along with same-site requests.
    const own = await ui.browser.newPage();
    await own.goto(ui.panel.url);
    await own.close();

    const foreign = await foreignSite(ui.panel.origin);
    const page = await ui.browser.newPage();
    const answered = await panelAnswers(page, ui.panel.origin);
    try {
      await page.goto(foreign.url);
      const outcomes = await page.evaluate<Record<string, string>>('window.attempts');
      // Each one failed to read anything: CORS (or, for no-cors requests, the panel's
      // Cross-Origin-Resource-Policy) hides the answer, or the preflight stopped the request.
      expect(outcomes).toEqual({ read: 'blocked', readWithCredentials: 'blocked', guessedToken: 'blocked', commit: 'blocked', promote: 'blocked' });
      // …and where a request reached the panel, the panel itself refused it.
      for (const request of ['GET /api/fleet', 'POST /api/commit', 'POST /api/promote'])
        await expect.poll(() => answered().get(request), { message: request }).toBe(403);
      for (const [request, status] of answered()) expect(status, request).toBe(403);

      // A form posted from that page: a top-level navigation, the one request CORS does not stop.
      const [formAnswer] = await Promise.all([page.waitForResponse(`${ui.panel.origin}/api/envs/dev/models/densenet/canary`), page.click('#attack')]);
      expect(formAnswer.status()).toBe(403);
      expect(await formAnswer.text()).toMatch(/foreign Origin|cross-site/);
    } finally {
      await page.close();
      await foreign.close();
    }
    expect(watched()).toEqual(before);
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: ui.panel.root, encoding: 'utf8' })).toBe('');
  });
});

/**
 * What the panel answered to each request of the page (`GET /api/fleet` → 403), read from the
 * DevTools protocol: the page's scripts and Playwright's own events never see an answer the browser
 * blocked (CORS, CORP), but the network layer records its status line. A status may be reported
 * before its request, so the two are joined when asked.
 */
async function panelAnswers(page: Page, origin: string): Promise<() => Map<string, number>> {
  const cdp = await page.context().newCDPSession(page);
  const requests = new Map<string, string>();
  const statuses = new Map<string, number>();
  cdp.on('Network.requestWillBeSent', (e) => {
    if (e.request.url.startsWith(`${origin}/`)) requests.set(e.requestId, `${e.request.method} ${new URL(e.request.url).pathname}`);
  });
  cdp.on('Network.responseReceivedExtraInfo', (e) => statuses.set(e.requestId, e.statusCode));
  await cdp.send('Network.enable');
  return () => new Map([...requests].flatMap(([id, request]) => (statuses.has(id) ? [[request, statuses.get(id)!] as const] : [])));
}

/** A page on another port of 127.0.0.1 (another origin, the same site) that tries the panel's API. */
async function foreignSite(panelOrigin: string): Promise<{ url: string; close: () => Promise<void> }> {
  const html = `<!doctype html><html lang="en"><head><title>elsewhere</title></head><body>
<form id="form" method="post" enctype="text/plain" action="${panelOrigin}/api/envs/dev/models/densenet/canary">
  <input name='{"action":"remove","x":"' value='"}'><button id="attack">post</button>
</form>
<script>
const panel = ${JSON.stringify(panelOrigin)};
const attempt = (request) => request.then((r) => (r.type === 'opaque' ? 'opaque' : 'read ' + r.status), () => 'blocked');
window.attempts = Promise.all([
  attempt(fetch(panel + '/api/fleet')),
  attempt(fetch(panel + '/api/fleet', { credentials: 'include' })),
  attempt(fetch(panel + '/api/commit', { method: 'POST', headers: { 'x-tritonops-token': 'guess', 'content-type': 'application/json' }, body: '{"branch":"x","message":"x"}' })),
  attempt(fetch(panel + '/api/commit', { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: '{"branch":"evil","message":"evil"}' })),
  attempt(fetch(panel + '/api/promote', { method: 'POST', mode: 'no-cors', credentials: 'include', body: '{"from":"dev","to":"staging","names":["densenet"]}' })),
]).then(([read, readWithCredentials, guessedToken, commit, promote]) => ({ read, readWithCredentials, guessedToken, commit, promote }));
</script></body></html>`;
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
