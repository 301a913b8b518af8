/**
 * The web app's side of the API (types.ts): fetch with the session token. The token comes in the
 * page's URL once (`?token=`); it is kept in sessionStorage for this tab and removed from the
 * address bar, so it does not end up in bookmarks or screenshots.
 */
import type { ApiDiagnostic } from './types.ts';

const STORAGE_KEY = 'tritonops-token';

export function sessionToken(): string {
  const fromUrl = new URLSearchParams(window.location.search).get('token');
  if (fromUrl) {
    window.sessionStorage.setItem(STORAGE_KEY, fromUrl);
    window.history.replaceState(null, '', window.location.pathname + window.location.hash);
    return fromUrl;
  }
  return window.sessionStorage.getItem(STORAGE_KEY) ?? '';
}

/** An answer other than 200: the server's message (and hint), for the page to show as it is. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly hint?: string,
    readonly diagnostics: readonly ApiDiagnostic[] = [],
  ) {
    super(message);
  }
}

let token: string | undefined;

export async function api<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T> {
  token ??= sessionToken();
  const response = await fetch(path, {
    method,
    headers: { 'x-tritonops-token': token, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const data = (await response.json().catch(() => ({ message: `${response.status} ${response.statusText}` }))) as T & { message?: string; hint?: string };
  if (!response.ok) throw new ApiFailure(response.status, data.message ?? `${response.status}`, data.hint);
  return data;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body: unknown) => api<T>('POST', path, body);
export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, body);
