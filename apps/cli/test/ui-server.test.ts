/**
 * The panel's HTTP guard and plumbing, over real HTTP: every refusal a page on another site, a
 * DNS-rebinding page or a stray local process would meet, and the static files' confinement.
 */
import { request } from 'node:http';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FsProblem } from '@tritonops/planner';
import { ApiError, type Route } from '../src/ui-server/route.ts';
import { cookieValue, refusal } from '../src/ui-server/session-guard.ts';
import { bundledRepository } from './git-fixture.ts';
import { cleanup } from './support.ts';
import { PANEL_TOKEN as TOKEN, startTestPanel, type TestPanel } from './ui-panel.ts';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function call(panel: TestPanel, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: panel.port, path, method: options.method ?? 'GET', headers: { host: `127.0.0.1:${panel.port}`, ...options.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const echo: Route[] = [
  { method: 'POST', path: '/api/echo/:name', handle: ({ params, body }) => ({ name: params.name, body }) },
  {
    method: 'GET',
    path: '/api/fail',
    handle: () => {
      throw new ApiError(409, 'refused for a reason', 'do this instead');
    },
  },
  { method: 'GET', path: '/api/envs', handle: ({ state }) => state.environments() },
  {
    method: 'GET',
    path: '/api/link',
    handle: () => {
      throw new FsProblem('environments/dev/models/x.yaml', 'symlink');
    },
  },
  {
    method: 'GET',
    path: '/api/bug',
    handle: () => {
      throw new Error('a spec said \u001b]0;PWNED\u0007\u001b[2J');
    },
  },
];

describe('the control panel server', () => {
  let panel: TestPanel;
  beforeAll(async () => {
    panel = await startTestPanel(bundledRepository('tritonops-ui-server-'), { routes: echo, files: { 'assets/app.js': 'console.log(1)' } });
  });
  afterAll(async () => {
    await panel.close();
    cleanup();
  });

  const withToken = { 'x-tritonops-token': TOKEN };

  it('listens on the loopback address only and prints a URL with the token', () => {
    expect(panel.url).toBe(`http://127.0.0.1:${panel.port}/?token=${TOKEN}`);
  });

  it('answers the API with the token, and refuses it without, with a wrong one, or with the token in the query only', async () => {
    expect((await call(panel, '/api/envs', { headers: withToken })).body).toBe('["dev","production","staging"]');
    for (const headers of [
      {} as Record<string, string>,
      { 'x-tritonops-token': 'b'.repeat(48) },
      { 'x-tritonops-token': TOKEN.slice(1) },
      { cookie: `tritonops-token=${TOKEN}` },
    ]) {
      const answer = await call(panel, '/api/envs', { headers });
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.body).message).toMatch(/session token/);
    }
    expect((await call(panel, `/api/envs?token=${TOKEN}`)).status).toBe(403);
  });

  it('refuses a foreign Host (DNS rebinding), a foreign Origin and a cross-site fetch even with the token', async () => {
    expect((await call(panel, '/api/envs', { headers: { ...withToken, host: `evil.example:${panel.port}` } })).status).toBe(403);
    expect((await call(panel, '/api/envs', { headers: { ...withToken, host: `127.0.0.1:${panel.port + 1}` } })).status).toBe(403);
    expect((await call(panel, '/api/envs', { headers: { ...withToken, origin: 'http://evil.example' } })).status).toBe(403);
    expect((await call(panel, '/api/envs', { headers: { ...withToken, origin: `http://127.0.0.1:${panel.port + 1}` } })).status).toBe(403);
    expect((await call(panel, '/api/envs', { headers: { ...withToken, 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect(
      (await call(panel, '/api/envs', { headers: { ...withToken, origin: `http://localhost:${panel.port}`, host: `localhost:${panel.port}` } })).status,
    ).toBe(200);
  });

  it('serves the page with the token in the query, sets a strict cookie, and then the assets with the cookie', async () => {
    expect((await call(panel, '/')).status).toBe(403);
    const page = await call(panel, `/?token=${TOKEN}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>panel</title>');
    const [, assets] = /^tritonops-assets-(?:\d+)=([0-9a-f]{48}); HttpOnly; SameSite=Strict; Path=\/$/.exec(String(page.headers['set-cookie']?.[0])) ?? [];
    // The cookie is not the API token: cookies go to every port of 127.0.0.1, the API must not.
    expect(assets).toBeDefined();
    expect(assets).not.toBe(TOKEN);
    expect(String(page.headers['set-cookie']?.[0])).toContain(`tritonops-assets-${panel.port}=`);
    expect((await call(panel, '/api/envs', { headers: { cookie: `tritonops-assets-${panel.port}=${assets}` } })).status).toBe(403);
    expect((await call(panel, '/assets/app.js', { headers: { cookie: `tritonops-assets-${panel.port}=${TOKEN}` } })).status).toBe(403);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect((await call(panel, '/assets/app.js')).status).toBe(403);
    const asset = await call(panel, '/assets/app.js', { headers: { cookie: `other=1; tritonops-assets-${panel.port}=${assets}` } });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('never serves a file outside the built app', async () => {
    const page = await call(panel, `/?token=${TOKEN}`);
    const cookie = { cookie: String(page.headers['set-cookie']?.[0]).split(';')[0]! };
    expect((await call(panel, '/assets/app.js', { headers: cookie })).status).toBe(200);
    symlinkSync('/etc/hostname', join(panel.staticDir, 'assets', 'linked.js'));
    for (const path of [
      '/../package.json',
      '/%2e%2e/package.json',
      '/assets/..%2f..%2fpackage.json',
      '/assets',
      '/nothing.js',
      '/%00',
      '/%E0%A4%A',
      '/assets/linked.js',
    ]) {
      const answer = await call(panel, path, { headers: cookie });
      expect([400, 404]).toContain(answer.status);
    }
    expect((await call(panel, '/', { method: 'POST', headers: cookie })).status).toBe(405);
  });

  it('takes JSON bodies only, within a size limit, and path names that are DNS labels', async () => {
    const ok = await call(panel, '/api/echo/dev', { method: 'POST', headers: { ...withToken, 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(JSON.parse(ok.body)).toEqual({ name: 'dev', body: { a: 1 } });
    // A form post (the one cross-site request a browser sends without asking) is not JSON.
    expect((await call(panel, '/api/echo/dev', { method: 'POST', headers: { ...withToken, 'content-type': 'text/plain' }, body: '{"a":1}' })).status).toBe(415);
    expect((await call(panel, '/api/echo/dev', { method: 'POST', headers: { ...withToken, 'content-type': 'application/json' }, body: '{' })).status).toBe(400);
    const huge = JSON.stringify({ a: 'x'.repeat(9 * 1024 * 1024) });
    expect(
      (
        await call(panel, '/api/echo/dev', { method: 'POST', headers: { ...withToken, 'content-type': 'application/json' }, body: huge }).catch(() => ({
          status: 413,
        }))
      ).status,
    ).toBe(413);
    for (const name of ['..', 'Dev', '%2e%2e', 'a_b']) {
      expect(
        (await call(panel, `/api/echo/${name}`, { method: 'POST', headers: { ...withToken, 'content-type': 'application/json' }, body: '{}' })).status,
      ).toBe(404);
    }
  });

  it("answers what the repository refused in the CLI's words, and prints a bug's message to the terminal escaped", async () => {
    const link = await call(panel, '/api/link', { headers: withToken });
    expect(link.status).toBe(422);
    expect(JSON.parse(link.body).message).toMatch(/^environments\/dev\/models\/x\.yaml: error: .*link/);
    expect(JSON.parse(link.body).hint).toContain('tritonops never follows links');
    const printed: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (printed.push(String(chunk)), true));
    try {
      const bug = await call(panel, '/api/bug', { headers: withToken });
      expect(bug.status).toBe(500);
      expect(JSON.parse(bug.body).message).not.toContain('PWNED');
    } finally {
      spy.mockRestore();
    }
    expect(printed.join('')).toContain('PWNED');
    // eslint-disable-next-line no-control-regex -- the point: no control character reaches the terminal
    expect(printed.join('')).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });

  it("passes a route's refusal on with its status, message and hint", async () => {
    const answer = await call(panel, '/api/fail', { headers: withToken });
    expect(answer.status).toBe(409);
    expect(JSON.parse(answer.body)).toEqual({ message: 'refused for a reason', hint: 'do this instead' });
  });
});

describe('the session guard', () => {
  const base = {
    host: '127.0.0.1:7420',
    origin: undefined,
    secFetchSite: undefined,
    headerToken: TOKEN,
    cookieToken: undefined,
    queryToken: undefined,
    api: true,
  };
  const secrets = { token: TOKEN, assets: 'c'.repeat(48) };
  it('accepts same-origin and navigations, refuses the rest', () => {
    expect(refusal(base, 7420, secrets)).toBeUndefined();
    expect(refusal({ ...base, secFetchSite: 'same-origin' }, 7420, secrets)).toBeUndefined();
    expect(refusal({ ...base, secFetchSite: 'same-site' }, 7420, secrets)).toMatch(/cross-site/);
    expect(refusal({ ...base, host: undefined }, 7420, secrets)).toMatch(/Host/);
    expect(refusal({ ...base, origin: 'null' }, 7420, secrets)).toMatch(/Origin/);
    expect(refusal({ ...base, api: false, headerToken: undefined, queryToken: TOKEN }, 7420, secrets)).toBeUndefined();
    expect(refusal({ ...base, api: false, headerToken: undefined, cookieToken: 'c'.repeat(48) }, 7420, secrets)).toBeUndefined();
    expect(refusal({ ...base, api: false, headerToken: undefined, cookieToken: TOKEN }, 7420, secrets)).toMatch(/session token/);
    expect(refusal({ ...base, headerToken: undefined, cookieToken: 'c'.repeat(48) }, 7420, secrets)).toMatch(/session token/);
  });
  it('reads one cookie among others', () => {
    expect(cookieValue('a=1; tritonops-token=xyz; b=2', 'tritonops-token')).toBe('xyz');
    expect(cookieValue(undefined, 'tritonops-token')).toBeUndefined();
  });
});
