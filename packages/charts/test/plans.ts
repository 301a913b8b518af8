/** Builds plans from small inline specs, through the real loader and validation. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planRepository, type EnvironmentPlan } from '@tritonops/planner';

export const ENVIRONMENT = `apiVersion: tritonops.dev/v1alpha1
kind: Environment
metadata: { name: test }
spec:
  namespace: inference
  git: { url: ssh://git@git.example.com/acme/platform.git, secretRef: flux-git-auth }
  gpuPools:
    t4: { nodeSelector: { gpu.example.com/model: tesla-t4 }, gpusPerNode: 1, maxNodes: 8, gpuMemory: 16Gi }
    a100-mig:
      nodeSelector: { gpu.example.com/model: a100-80 }
      resource: nvidia.com/mig-3g.40gb
      gpusPerNode: 2
      maxNodes: 2
      gpuMemory: 40Gi
      tolerations: [{ key: dedicated, operator: Equal, value: a100, effect: NoSchedule }]
  s3: { endpoint: "https://s3.example.com:443", region: ru-1, credentialsSecret: s3-model-reader }
  gateway: { domain: inference.example.com, tlsSecret: inference-tls }
  auth:
    jwt: { issuer: "https://keycloak.example.com/realms/ml", jwksUri: "https://keycloak.example.com/realms/ml/protocol/openid-connect/certs", audiences: [inference-api] }
  sfs: { server: 10.0.0.2, path: /shares/cache, size: 100Gi }
`;

export const model = (name: string, spec: string) => `apiVersion: tritonops.dev/v1alpha1
kind: Model
metadata: { name: ${name} }
spec:
  image: nvcr.io/nvidia/tritonserver:24.10-py3
  repository: s3://models/${name}/v1
${spec}`;

export function planOf(models: Record<string, string>, environment = ENVIRONMENT): EnvironmentPlan {
  const root = mkdtempSync(join(tmpdir(), 'tritonops-charts-'));
  try {
    mkdirSync(join(root, 'environments/test/models'), { recursive: true });
    writeFileSync(join(root, 'environments/test/environment.yaml'), environment);
    for (const [name, spec] of Object.entries(models)) writeFileSync(join(root, `environments/test/models/${name}.yaml`), model(name, spec));
    const result = planRepository({ root, displayBase: root });
    if (result.hasErrors) throw new Error(result.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`).join('\n'));
    return result.plans[0]!;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
