/**
 * How declared Secrets reach the cluster, for the two deliveries tritonops renders (docs/secrets.md):
 *
 * - `external-secrets`: one ExternalSecret (`external-secrets.io/v1`) per declared Secret, in the
 *   environment's namespace, against the environment's ClusterSecretStore. They live in
 *   flux/models/<env>/environment/secrets.yaml: the declarations are environment-wide (a Secret
 *   may serve several models), and the `environment` Kustomization, which every model's depends
 *   on and which waits for its objects to be ready, makes them exist before any model starts.
 * - `sops`: the encrypted Secrets, copied field by field from what load/sops-secrets.ts parsed
 *   and checked (never the files' bytes), into flux/models/<env>/secrets/, which a Kustomization
 *   of their own decrypts (flux/cluster-sync.ts).
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { IExternalSecret } from '@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecret';
import type { EnvironmentCore, SecretsPlan, SopsSecretPlan } from '@tritonops/planner';
import { environmentLabels } from './labels.ts';
import { typedObject } from './typed-api-object.ts';

export function addExternalSecrets(scope: Construct, env: EnvironmentCore, secrets: SecretsPlan): void {
  if (!secrets.store) throw new Error('addExternalSecrets: delivery external-secrets without a store (validation lets none through)');
  for (const [name, declared] of Object.entries(secrets.declared)) {
    typedObject<IExternalSecret>(scope, `external-secret-${name}`, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name, namespace: env.namespace, labels: environmentLabels(env) },
      spec: {
        secretStoreRef: { kind: 'ClusterSecretStore', name: secrets.store },
        ...(secrets.refreshInterval ? { refreshInterval: secrets.refreshInterval } : {}),
        target: {
          name,
          // The operator owns the Secret: deleting the ExternalSecret deletes it too.
          creationPolicy: 'Owner',
        },
        data: declared.keys.map((key) => ({ secretKey: key, remoteRef: { key: declared.remoteKey ?? name, property: key } })),
      },
    });
  }
}

/** One SOPS-encrypted Secret, as checked: Flux decrypts the values when it applies it. */
export function addSopsSecret(scope: Construct, env: EnvironmentCore, secret: SopsSecretPlan): void {
  // An ApiObject, not a typed Secret: the body carries SOPS' `sops:` block, which is no field of
  // a Secret (kustomize-controller reads and removes it while decrypting). The metadata is rebuilt
  // from the checked fields: kubectl's `creationTimestamp: null` is dropped (kustomize-controller
  // does not verify SOPS' whole-file MAC by default, so the clear fields may differ from the file).
  // The file's labels are `app.kubernetes.io/*` only (load/sops-secrets.ts); tritonops' own win.
  new ApiObject(scope, `secret-${secret.name}`, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secret.name, namespace: env.namespace, labels: { ...(secret.labels ?? {}), ...environmentLabels(env) } },
    type: 'Opaque',
    ...(secret.data ? { data: { ...secret.data } } : {}),
    ...(secret.stringData ? { stringData: { ...secret.stringData } } : {}),
    sops: secret.sops,
  } as ConstructorParameters<typeof ApiObject>[2]);
}
