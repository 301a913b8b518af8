/** The model page's calls to the panel's API (apps/cli/src/ui-server/routes/models.ts). */
import { get, post, put } from '../api/client.ts';
import type {
  CanaryAction,
  CanaryResponse,
  CheckResponse,
  CommandResponse,
  FleetResponse,
  JsonSchema,
  ModelDocument,
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
  save: (env: string, name: string, document: ModelDocument) => put<WriteResponse>(modelPath(env, name), { document }),
  canary: (env: string, name: string, action: CanaryAction) => post<CanaryResponse>(`${modelPath(env, name)}/canary`, action),
  promote: (request: PromoteRequest) => post<CommandResponse>('/api/promote', request),
};
