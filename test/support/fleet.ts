import { execFileSync } from 'node:child_process';
/**
 * Synthetic fleets for benchmarks and stress tests: N models in each of three environments, with
 * canaries, autoscaling, auth and pipelines on — everything a large deployment of tritonops uses.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ENVIRONMENTS = [
  { name: 'dev', promotedFrom: undefined },
  { name: 'staging', promotedFrom: 'dev' },
  { name: 'production', promotedFrom: 'staging' },
] as const;

export function modelName(i: number): string {
  return `model-${String(i).padStart(4, '0')}`;
}

export function writeFleet(root: string, models: number): void {
  // A repository of its own: the workspace cache lives in its .git/ folder.
  mkdirSync(root, { recursive: true });
  execFileSync('git', ['init', '-q'], { cwd: root });
  for (const env of ENVIRONMENTS) {
    const dir = join(root, 'environments', env.name);
    mkdirSync(join(dir, 'models'), { recursive: true });
    mkdirSync(join(dir, 'pipelines'), { recursive: true });
    writeFileSync(
      join(dir, 'environment.yaml'),
      `apiVersion: tritonops.dev/v1alpha1
kind: Environment
metadata: { name: ${env.name} }
spec:
${env.promotedFrom ? `  promotedFrom: ${env.promotedFrom}\n` : ''}  namespace: inference
  git: { url: "ssh://git@git.example.com/acme/fleet.git", secretRef: flux-git-auth }
  gpuPools:
    t4: { nodeSelector: { gpu.example.com/model: tesla-t4 }, gpusPerNode: 8, maxNodes: ${Math.max(1, Math.ceil((models * 6) / 8))}, gpuMemory: 16Gi }
  s3: { endpoint: "https://s3.example.com:443", region: ru-1, credentialsSecret: s3-model-reader }
  sfs: { server: 10.0.0.2, path: /shares/cache, size: 10Ti }
  gateway: { domain: ${env.name}.inference.example.com, tlsSecret: inference-tls }
  auth:
    jwt: { issuer: "https://keycloak.example.com/realms/ml", jwksUri: "https://keycloak.example.com/realms/ml/protocol/openid-connect/certs" }
`,
    );
    for (let i = 0; i < models; i++) {
      const name = modelName(i);
      const canary = i % 10 === 0 ? `  canary:\n    repository: s3://models/${name}/v2\n    weight: 10\n    header: { x-canary: "true" }\n` : '';
      writeFileSync(
        join(dir, 'models', `${name}.yaml`),
        `apiVersion: tritonops.dev/v1alpha1
kind: Model
metadata: { name: ${name}, labels: { team: fleet } }
spec:
  image: nvcr.io/nvidia/tritonserver:24.10-py3
  repository: s3://models/${name}/v1
  models: [main]
  gpuPool: t4
  resources: { cpu: "2", memory: 8Gi, shm: 1Gi }
  cache: sfs
  signatures:
    main:
      inputs: [{ name: INPUT, datatype: FP32, shape: [-1] }]
      outputs: [{ name: OUTPUT, datatype: FP32, shape: [-1] }]
  autoscaling:
    minReplicas: 1
    maxReplicas: 3
    triggers: { queueTimeMs: 50, gpuUtilization: 80 }
${canary}`,
      );
    }
    for (let i = 0; i + 1 < models; i += 20) {
      writeFileSync(
        join(dir, 'pipelines', `chain-${String(i).padStart(4, '0')}.yaml`),
        `apiVersion: tritonops.dev/v1alpha1
kind: Pipeline
metadata: { name: chain-${String(i).padStart(4, '0')} }
spec:
  inputs: [{ name: INPUT, datatype: FP32, shape: [-1] }]
  outputs: [{ name: OUTPUT, datatype: FP32, shape: [-1], from: second.OUTPUT }]
  steps:
    - { name: first, model: ${modelName(i)}, inputs: { INPUT: input.INPUT } }
    - { name: second, model: ${modelName(i + 1)}, inputs: { INPUT: first.OUTPUT } }
`,
      );
    }
  }
}
