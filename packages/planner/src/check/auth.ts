/** Auth rules shared by models and pipelines: roles need tokens; opting out is explicit and visible. */
import type { AuthSpec, Environment } from '@tritonops/spec';
import type { Diagnostic } from '../diagnostics.ts';
import type { Loaded } from '../load/read-specs.ts';
import type { DataPath } from '../load/source-file.ts';
import type { SourceFile } from '../load/source-file.ts';
import { isProduction } from '../plan/environment.ts';

export function checkAuth(file: SourceFile, auth: AuthSpec, environment: string, loadedEnv: Loaded<Environment>, what: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (path: DataPath, mode: 'key' | 'value') => ({ file: file.path, ...file.locate(path, mode) });
  if (auth.roles && !loadedEnv.value.spec.auth?.jwt) {
    out.push({
      severity: 'error',
      code: 'roles-without-jwt',
      ...at(['spec', 'auth', 'roles'], 'key'),
      message: `roles are checked on JWT claims, but environment "${environment}" configures no \`auth.jwt\``,
      hint: `add \`auth: { jwt: { issuer, jwksUri } }\` to ${loadedEnv.file.path}, or remove the roles`,
    });
  }
  if (auth.roles && !auth.required) {
    out.push({
      severity: 'error',
      code: 'roles-without-auth',
      ...at(['spec', 'auth', 'roles'], 'key'),
      message: 'roles are set but `auth.required` is false',
      hint: 'remove the roles, or require auth',
    });
  }
  if (!auth.required && isProduction(environment)) {
    out.push({
      severity: 'warning',
      code: 'auth-opt-out',
      ...at(['spec', 'auth', 'required'], 'value'),
      message: `${what} opts out of authentication in production: anyone who reaches the gateway can call it`,
      hint: 'remove `auth.required: false` unless this is meant to be public',
    });
  }
  return out;
}
