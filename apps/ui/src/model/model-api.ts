/**
 * The model page's calls to the panel's API (apps/cli/src/ui-server/routes/models.ts). A write
 * names the revision of the file the page shows (null: none yet), for the server to refuse it when
 * the file changed on disk meanwhile.
 */
import { get, post, put } from '../api/client.ts';
import type {
  CanaryAction,
  CanaryRequest,
  CanaryResponse,
  CheckResponse,
  CommandResponse,
  FleetResponse,
  JsonSchema,
  ModelDocument,
  ModelRequest,
  ModelResponse,
  PromoteRequest,
  WriteResponse,
} from '../api/types.ts';

const modelPath = (env: string, name: string) => `/api/envs/${env}/models/${name}`;

export const modelApi = {
  schema: () => get<JsonSchema>('/api/schema/model'),
  fleet: () => get<FleetResponse>('/api/fleet'),
  model: (env: string, name: string) => get<ModelResponse>(modelPath(env, name)),
  check: (env: string, name: string, document: ModelDocument) => post<CheckResponse>(`${modelPath(env, name)}/check`, { document }),
  save: (env: string, name: string, document: ModelDocument, revision: string | null) =>
    put<WriteResponse>(modelPath(env, name), { document, revision } satisfies ModelRequest),
  canary: (env: string, name: string, action: CanaryAction, revision: string | null) =>
    post<CanaryResponse>(`${modelPath(env, name)}/canary`, { ...action, revision } satisfies CanaryRequest),
  promote: (request: PromoteRequest) => post<CommandResponse>('/api/promote', request),
};
