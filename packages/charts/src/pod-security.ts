/**
 * Pod Security "restricted" settings. Triton's image runs as root unless told otherwise; it ships
 * a `triton-server` user (uid/gid 1000), which every container of the pod runs as.
 */
import type { k8s } from 'cdk8s-plus-28';

export const TRITON_UID = 1000;
export const TRITON_GID = 1000;

export const POD_SECURITY_CONTEXT: k8s.PodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: TRITON_UID,
  runAsGroup: TRITON_GID,
  fsGroup: TRITON_GID,
  // Only re-own a volume when its root has the wrong group: cheap for large model caches.
  fsGroupChangePolicy: 'OnRootMismatch',
  seccompProfile: { type: 'RuntimeDefault' },
};

export const CONTAINER_SECURITY_CONTEXT: k8s.SecurityContext = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  privileged: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};
