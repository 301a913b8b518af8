/**
 * Flux feedback on the commit: a notification Provider for the Git host and an Alert that sends
 * it the results of every Kustomization (infrastructure, environment, each model), so the author of a merged
 * PR sees on the commit whether each cluster applied it. The API token is a Secret by reference.
 */
import type { Construct } from 'constructs';
import type { IAlert } from '@kubernetes-models/flux-cd/notification.toolkit.fluxcd.io/v1beta3/Alert';
import type { IProvider } from '@kubernetes-models/flux-cd/notification.toolkit.fluxcd.io/v1beta3/Provider';
import type { EnvironmentCore } from '@tritonops/planner';
import { environmentLabels } from '../labels.ts';
import { typedObject } from '../typed-api-object.ts';
import { FLUX_NAMESPACE } from './cluster-sync.ts';

export const COMMIT_STATUS_PROVIDER = 'commit-status';

export function addCommitStatus(scope: Construct, env: EnvironmentCore): void {
  const status = env.git.commitStatus;
  if (!status) return;
  const labels = environmentLabels(env);
  typedObject<IProvider>(scope, 'provider', {
    apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
    kind: 'Provider',
    metadata: { name: COMMIT_STATUS_PROVIDER, namespace: FLUX_NAMESPACE, labels },
    spec: { type: status.provider, address: status.address, secretRef: { name: status.secretRef } },
  });
  typedObject<IAlert>(scope, 'alert', {
    apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
    kind: 'Alert',
    metadata: { name: COMMIT_STATUS_PROVIDER, namespace: FLUX_NAMESPACE, labels },
    spec: {
      providerRef: { name: COMMIT_STATUS_PROVIDER },
      // Commit statuses need every outcome, success included.
      eventSeverity: 'info',
      // Every Kustomization of the cluster: infrastructure, environment, one per model.
      eventSources: [{ kind: 'Kustomization', name: '*' }],
    },
  });
}
