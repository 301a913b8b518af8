/** The namespace an environment's models run in: sidecar injection and Pod Security "restricted". */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import type { EnvironmentCore } from '@tritonops/planner';
import { environmentLabels, FLUX_PRUNE_DISABLED } from './labels.ts';

export class InferenceNamespace extends Construct {
  constructor(scope: Construct, id: string, env: EnvironmentCore) {
    super(scope, id);
    new k8s.KubeNamespace(this, 'namespace', {
      metadata: {
        name: env.namespace,
        labels: {
          ...env.namespaceLabels,
          ...environmentLabels(env),
          'istio-injection': 'enabled',
          // Injected sidecars pass "restricted" only with the Istio CNI plugin (no istio-init
          // container with NET_ADMIN), which the infrastructure installs.
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
        },
        // Deleting the namespace would delete the model cache claim with it.
        annotations: { ...FLUX_PRUNE_DISABLED },
      },
    });
  }
}
