/** The Changes page's calls to the panel's API (apps/cli/src/ui-server/routes/changes.ts). */
import { get, post } from '../api/client.ts';
import type { ChangesResponse, CommitRequest, CommitResponse } from '../api/types.ts';

export const changesApi = {
  changes: () => get<ChangesResponse>('/api/changes'),
  commit: (request: CommitRequest) => post<CommitResponse>('/api/commit', request),
};
