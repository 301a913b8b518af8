/**
 * The shared model cache on SFS (a managed NFS share).
 *
 * Triton does not cache cloud storage: with an S3 repository every pod downloads everything into
 * its own temp dir. So the cache is built outside Triton: an init container copies the release
 * from S3 once into a directory of the share named after the S3 location, and Triton loads that
 * local path. Several replicas may start at once; each copies into its own staging directory and
 * publishes it with one rename(2), which is atomic on NFS and fails when the target exists — so
 * exactly one copy is published, no replica ever sees a half-copied repository, and every replica
 * after the first finds the release in place and starts without downloading.
 */
import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import type { EnvironmentCore, ModelCachePlan, SfsPlan } from '@tritonops/planner';
import { environmentLabels, FLUX_PRUNE_DISABLED } from './labels.ts';
import { CONTAINER_SECURITY_CONTEXT } from './pod-security.ts';
import { s3CredentialEnv } from './s3-source.ts';

/**
 * The share's identity: its server and path. A PersistentVolume's source is immutable, so the
 * volume and its claim are named after it; another share is a new volume and claim, onto which
 * the pods roll one by one, while the old pair stays (never pruned) until deleted by hand.
 */
function shareId(sfs: SfsPlan): string {
  return createHash('sha256').update(`${sfs.server}\0${sfs.path}`).digest('hex').slice(0, 8);
}

/** Name of the claim in the environment namespace. */
export function modelCacheClaimName(sfs: SfsPlan): string {
  return `model-cache-${shareId(sfs)}`;
}

/**
 * What the claim requests. NFS ignores sizes, and a statically bound claim's request can never
 * change (the API server refuses both growing and shrinking it), while the volume's capacity can:
 * the claim asks for the least, and the share's `size` is the volume's capacity alone.
 */
export const MODEL_CACHE_CLAIM_REQUEST = '1Mi';
/** Where the share is mounted in every container that uses it. */
export const MODEL_CACHE_MOUNT = '/model-cache';
/** Hugging Face cache directory inside the share, and where Triton sees it. */
export const HF_CACHE_SUBPATH = 'huggingface';
export const HF_CACHE_MOUNT = '/var/cache/huggingface';
/** Marker written last into a complete copy. */
export const COMPLETE_MARKER = '.tritonops-complete';

/** PersistentVolumes are cluster-scoped: the name carries the namespace to stay unique. */
export function modelCacheVolumeName(env: EnvironmentCore, sfs: SfsPlan): string {
  return `${env.namespace}-model-cache-${shareId(sfs)}`;
}

/**
 * The share as a PersistentVolume plus a ReadWriteMany claim bound to it by name. Inline `nfs`
 * volumes are forbidden under Pod Security "restricted"; claims are allowed. Both are annotated so
 * that Flux never prunes them: deleting them would not delete the data, but would break every pod.
 */
export class SfsShare extends Construct {
  constructor(scope: Construct, id: string, env: EnvironmentCore, sfs: SfsPlan) {
    super(scope, id);
    const labels = { ...environmentLabels(env), 'app.kubernetes.io/component': 'model-cache' };
    const volumeName = modelCacheVolumeName(env, sfs);
    new k8s.KubePersistentVolume(this, 'volume', {
      metadata: { name: volumeName, labels, annotations: { ...FLUX_PRUNE_DISABLED } },
      spec: {
        capacity: { storage: k8s.Quantity.fromString(sfs.size) },
        accessModes: ['ReadWriteMany'],
        persistentVolumeReclaimPolicy: 'Retain',
        // Static binding: no provisioner, bound to exactly our claim.
        storageClassName: '',
        volumeMode: 'Filesystem',
        mountOptions: [...sfs.mountOptions],
        nfs: { server: sfs.server, path: sfs.path },
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: env.namespace, name: modelCacheClaimName(sfs) },
      },
    });
    new k8s.KubePersistentVolumeClaim(this, 'claim', {
      metadata: { name: modelCacheClaimName(sfs), namespace: env.namespace, labels, annotations: { ...FLUX_PRUNE_DISABLED } },
      spec: {
        accessModes: ['ReadWriteMany'],
        storageClassName: '',
        volumeName,
        volumeMode: 'Filesystem',
        resources: { requests: { storage: k8s.Quantity.fromString(MODEL_CACHE_CLAIM_REQUEST) } },
      },
    });
  }
}

/**
 * The copy step, run by the stock AWS CLI image (Amazon Linux: `aws`, and GNU `mv -T`, whose
 * rename(2) refuses to replace a non-empty directory). Parameters come from the environment
 * variables set below, so the script itself is the same for every model.
 */
export const MODEL_SYNC_SCRIPT = `set -eu
repo="${MODEL_CACHE_MOUNT}/$CACHE_KEY"
if [ -f "$repo/${COMPLETE_MARKER}" ]; then
  echo "model cache hit: $repo"
  exit 0
fi
mkdir -p "${MODEL_CACHE_MOUNT}/.staging" "${MODEL_CACHE_MOUNT}/${HF_CACHE_SUBPATH}" "$(dirname "$repo")"
stage="${MODEL_CACHE_MOUNT}/.staging/$CACHE_DIGEST-$POD_NAME"
rm -rf "$stage"
echo "model cache miss: copying $SOURCE to $repo"
if [ -n "\${S3_ENDPOINT_URL:-}" ]; then
  aws s3 sync "$SOURCE" "$stage" --only-show-errors --endpoint-url "$S3_ENDPOINT_URL"
else
  aws s3 sync "$SOURCE" "$stage" --only-show-errors
fi
touch "$stage/${COMPLETE_MARKER}"
if mv -T "$stage" "$repo" 2>/dev/null; then
  echo "published $repo"
else
  rm -rf "$stage"
  echo "another replica published $repo first; using it"
fi
test -f "$repo/${COMPLETE_MARKER}"
`;

export function modelSyncInitContainer(env: EnvironmentCore, sfs: SfsPlan, cache: ModelCachePlan): k8s.Container {
  return {
    name: 'model-sync',
    image: sfs.syncImage,
    command: ['/bin/sh', '-c', MODEL_SYNC_SCRIPT],
    env: [
      { name: 'CACHE_KEY', value: cache.key },
      { name: 'CACHE_DIGEST', value: cache.digest },
      { name: 'SOURCE', value: cache.source },
      ...(env.s3.endpointUrl ? [{ name: 'S3_ENDPOINT_URL', value: env.s3.endpointUrl }] : []),
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      // The image's home (/root) is not ours to write as uid 1000.
      { name: 'HOME', value: '/tmp' },
      ...s3CredentialEnv(env),
    ],
    resources: {
      requests: { cpu: k8s.Quantity.fromString('500m'), memory: k8s.Quantity.fromString('512Mi') },
      limits: { memory: k8s.Quantity.fromString('1Gi') },
    },
    securityContext: CONTAINER_SECURITY_CONTEXT,
    volumeMounts: [{ name: 'model-cache', mountPath: MODEL_CACHE_MOUNT }],
  };
}
