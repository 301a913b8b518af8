/**
 * Who may talk to the panel. It listens on 127.0.0.1 only, but any web page the user opens can
 * send requests there, and a DNS-rebinding page can even make them same-origin by name. The panel
 * writes spec files and commits, so every request must prove it comes from the page we served:
 *
 * - Host must name the loopback address and our port (defeats DNS rebinding: the attacker's
 *   name would be in Host);
 * - Origin, when the browser sends one, must be ours (defeats cross-site form posts and fetches);
 * - the session token, printed once in the URL like Jupyter's, must come with every API call in
 *   the `X-Tritonops-Token` header (a custom header: no cross-site request can set it without a
 *   CORS preflight, which we never grant). The page itself takes it from `?token=`; its scripts
 *   and styles load with a cookie that holds another random value, good for static files only:
 *   cookies are not kept apart by port, so every other server on 127.0.0.1 the browser visits
 *   receives it, and it must not open the API.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export const TOKEN_HEADER = 'x-tritonops-token';
/** The assets cookie's name, with the port: two panels on one machine keep their own. */
export const assetsCookie = (port: number): string => `tritonops-assets-${port}`;

export function newSessionToken(): string {
  return randomBytes(24).toString('hex');
}

function sameToken(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The Host values that name this server: the loopback address or `localhost`, with our port. */
function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

export interface GuardInput {
  readonly host: string | undefined;
  readonly origin: string | undefined;
  readonly secFetchSite: string | undefined;
  readonly headerToken: string | undefined;
  readonly cookieToken: string | undefined;
  readonly queryToken: string | undefined;
  /** API routes take the header only; the page takes the token in the query, its assets the assets cookie. */
  readonly api: boolean;
}

export interface SessionSecrets {
  /** The API's token: in the URL printed once, then in the X-Tritonops-Token header. */
  readonly token: string;
  /** The static files' cookie value. */
  readonly assets: string;
}

/** Why the request is refused, or undefined when it may go on. */
export function refusal(input: GuardInput, port: number, secrets: SessionSecrets): string | undefined {
  const { token } = secrets;
  if (!input.host || !allowedHosts(port).has(input.host.toLowerCase())) return 'unknown Host: the panel answers only to 127.0.0.1 and localhost';
  if (input.origin !== undefined && !allowedHosts(port).has(input.origin.toLowerCase().replace(/^http:\/\//, ''))) {
    return 'foreign Origin: the panel answers only to its own pages';
  }
  if (input.secFetchSite !== undefined && input.secFetchSite !== 'same-origin' && input.secFetchSite !== 'none') {
    return 'cross-site request: the panel answers only to its own pages';
  }
  if (input.api) return sameToken(token, input.headerToken) ? undefined : 'missing or wrong session token: open the URL `tritonops ui` printed';
  return sameToken(token, input.queryToken) || sameToken(secrets.assets, input.cookieToken)
    ? undefined
    : 'missing or wrong session token: open the URL `tritonops ui` printed';
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}
