/** What an API route is: a method, a path pattern with `:params`, and a handler over the panel's state. */
import { didYouMeanHint } from '@tritonops/planner';
import type { PanelState } from './panel-state.ts';

export interface ApiContext {
  readonly state: PanelState;
  /** The `:name` segments of the path, by name (DNS labels, checked by `segment`). */
  readonly params: Readonly<Record<string, string>>;
  /** The parsed JSON body (POST and PUT), or undefined. */
  readonly body: unknown;
  readonly query: URLSearchParams;
}

export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT';
  /** e.g. `/api/envs/:env/pipelines/:name`. */
  readonly path: string;
  handle(context: ApiContext): Promise<unknown> | unknown;
}

/** An answer other than 200: the message is shown to the user as it is. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** A path segment that names an environment, model or pipeline: a DNS label, nothing that could walk the file system. */
export const NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Matches `path` against `pattern`; the params, or undefined. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const value = got[i]!;
    if (part.startsWith(':')) {
      if (!NAME.test(value)) return undefined;
      params[part.slice(1)] = value;
    } else if (part !== value) return undefined;
  }
  return params;
}

/** Refuses an environment the repository does not have: 404, in the words of the CLI (`tritonops promote`). */
export function knownEnvironment(state: PanelState, env: string): void {
  const envs = state.environments();
  if (!envs.includes(env)) throw new ApiError(404, `unknown environment "${env}"`, didYouMeanHint(env, envs, `environments: ${envs.join(', ')}`));
}

/** The body field `name`, checked to be of `type`. */
export function field<T>(body: unknown, name: string, type: 'string' | 'number' | 'boolean' | 'object' | 'array'): T {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  const ok =
    type === 'array' ? Array.isArray(value) : type === 'object' ? !!value && typeof value === 'object' && !Array.isArray(value) : typeof value === type;
  if (!ok) throw new ApiError(400, `the request needs \`${name}\` (${type})`);
  return value as T;
}
