/**
 * Where the S3 reader takes its credentials from: the standard AWS environment variables or a named
 * profile of the shared config/credentials files, nothing else. The SDK's default chain would also
 * probe the EC2 and ECS metadata services, which hangs on machines that have neither (CI runners);
 * specs never carry credentials.
 */

export type CredentialSource =
  | { readonly kind: 'environment'; readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string }
  | { readonly kind: 'profile'; readonly profile: string; readonly from: 'option' | 'AWS_PROFILE' }
  | { readonly kind: 'none'; readonly problem: string };

export const CREDENTIAL_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

/**
 * The source `profile` (an explicit option) or `env` selects. A profile wins over keys in the
 * environment, as in the AWS SDK and CLI, so setting AWS_PROFILE means the same everywhere.
 */
export function credentialSource(env: NodeJS.ProcessEnv, profile?: string): CredentialSource {
  if (profile) return { kind: 'profile', profile, from: 'option' };
  if (env.AWS_PROFILE) return { kind: 'profile', profile: env.AWS_PROFILE, from: 'AWS_PROFILE' };
  const accessKeyId = env.AWS_ACCESS_KEY_ID ?? '';
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY ?? '';
  if (accessKeyId && secretAccessKey) {
    return { kind: 'environment', accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
  }
  if (accessKeyId) return { kind: 'none', problem: 'AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not' };
  if (secretAccessKey) return { kind: 'none', problem: 'AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not' };
  return { kind: 'none', problem: 'no credentials' };
}

/** The source in words for messages: which variables or profile, never a key or secret. */
export function describeSource(source: CredentialSource): string {
  switch (source.kind) {
    case 'environment':
      return `the keys in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY${source.sessionToken ? ' (with AWS_SESSION_TOKEN)' : ''}`;
    case 'profile':
      return `profile "${source.profile}"${source.from === 'AWS_PROFILE' ? ' (from AWS_PROFILE)' : ''}`;
    case 'none':
      return 'no credentials';
  }
}

export const CREDENTIALS_HINT =
  'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary keys), or AWS_PROFILE to a profile of ~/.aws/credentials; read-only keys are enough (docs/s3.md, docs/ci.md)';
