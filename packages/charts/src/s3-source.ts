/**
 * Reading the model repository from S3: credentials come from the environment's Secret by
 * reference (never from Git), the region from the environment.
 */
import type { k8s } from 'cdk8s-plus-28';
import type { EnvironmentCore } from '@tritonops/planner';

/** AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the Secret, AWS_DEFAULT_REGION from the spec. */
export function s3CredentialEnv(env: EnvironmentCore): k8s.EnvVar[] {
  const fromSecret = (name: string, key: string): k8s.EnvVar => ({
    name,
    valueFrom: { secretKeyRef: { name: env.s3.credentialsSecret, key, optional: false } },
  });
  return [
    fromSecret('AWS_ACCESS_KEY_ID', env.s3.accessKeyIdKey),
    fromSecret('AWS_SECRET_ACCESS_KEY', env.s3.secretAccessKeyKey),
    { name: 'AWS_DEFAULT_REGION', value: env.s3.region },
  ];
}
