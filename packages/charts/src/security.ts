/**
 * Who may reach a model. Per environment: mutual TLS between all sidecars (STRICT), JWT
 * validation against the environment's issuer, and a NetworkPolicy that admits only the ingress
 * gateway, the namespace itself and monitoring. Per model: an AuthorizationPolicy that requires a
 * valid token (a RequestAuthentication alone lets token-less requests through), optionally with
 * Keycloak roles, and the metrics port left open to Prometheus, which scrapes from outside the mesh;
 * and, for the namespaces its spec lists as callers, a NetworkPolicy of its own that admits them
 * on the serving ports (NetworkPolicies add up: a connection any of them allows is allowed).
 */
import type { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import type { IAuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import type { IPeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1/PeerAuthentication';
import type { IRequestAuthentication } from '@kubernetes-models/istio/security.istio.io/v1/RequestAuthentication';
import type { EnvironmentCore, JwtPlan, ModelPlan } from '@tritonops/planner';
import { INFRA_NAMESPACES } from './flux/infrastructure.ts';
import { GATEWAY_NAMESPACE } from './gateway.ts';
import { environmentLabels, modelLabels, modelSelector } from './labels.ts';
import { PORTS } from './triton-server.ts';
import { typedObject } from './typed-api-object.ts';

/** Claim path of Keycloak realm roles, in Istio's `request.auth.claims[...]` syntax. */
export const KEYCLOAK_ROLES_CLAIM = 'request.auth.claims[realm_access][roles]';

export function addNamespaceSecurity(scope: Construct, env: EnvironmentCore): void {
  const labels = environmentLabels(env);
  typedObject<IPeerAuthentication>(scope, 'peer-authentication', {
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: { name: 'default', namespace: env.namespace, labels },
    spec: { mtls: { mode: 'STRICT' } },
  });
  if (env.jwt) addRequestAuthentication(scope, env, env.jwt);
  const fromNamespace = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
  new k8s.KubeNetworkPolicy(scope, 'network-policy', {
    metadata: { name: 'inference-servers', namespace: env.namespace, labels },
    spec: {
      podSelector: { matchLabels: { 'app.kubernetes.io/component': 'inference-server' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [fromNamespace(GATEWAY_NAMESPACE), { podSelector: {} }, fromNamespace(INFRA_NAMESPACES.monitoring)] }],
    },
  });
}

function addRequestAuthentication(scope: Construct, env: EnvironmentCore, jwt: JwtPlan): void {
  typedObject<IRequestAuthentication>(scope, 'request-authentication', {
    apiVersion: 'security.istio.io/v1',
    kind: 'RequestAuthentication',
    metadata: { name: 'jwt', namespace: env.namespace, labels: environmentLabels(env) },
    spec: {
      jwtRules: [
        {
          issuer: jwt.issuer,
          jwksUri: jwt.jwksUri,
          ...(jwt.audiences ? { audiences: [...jwt.audiences] } : {}),
          // Pipelines pass the caller's token on to the models they call.
          forwardOriginalToken: true,
        },
      ],
    },
  });
}

/** Name of the NetworkPolicy that admits a model's callers from other namespaces. */
export function callersPolicyName(model: ModelPlan): string {
  return `${model.name}-callers`;
}

export function addModelSecurity(scope: Construct, env: EnvironmentCore, model: ModelPlan): void {
  const labels = modelLabels(env, model);
  const selector = { matchLabels: modelSelector(model) };
  if (model.callers) addCallersPolicy(scope, env, model);
  typedObject<IPeerAuthentication>(scope, 'peer-authentication', {
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: { name: model.name, namespace: env.namespace, labels },
    spec: {
      selector,
      mtls: { mode: 'STRICT' },
      // Prometheus scrapes from outside the mesh, in plain text.
      portLevelMtls: { [String(PORTS.metrics)]: { mode: 'PERMISSIVE' } },
    },
  });
  if (!model.auth.required) return;
  const roles = model.auth.roles;
  typedObject<IAuthorizationPolicy>(scope, 'authorization-policy', {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: model.name, namespace: env.namespace, labels },
    spec: {
      selector,
      action: 'ALLOW',
      rules: [
        {
          from: [{ source: { requestPrincipals: ['*'] } }],
          ...(roles ? { when: [{ key: KEYCLOAK_ROLES_CLAIM, values: [...roles] }] } : {}),
        },
        { to: [{ operation: { ports: [String(PORTS.metrics)], methods: ['GET'], paths: ['/metrics'] } }] },
      ],
    },
  });
}

/**
 * The model's callers in other namespaces, on HTTP and gRPC only: metrics stay for monitoring.
 * It selects by `tritonops.dev/model`, which Flagger copies onto its primary's pods unchanged.
 */
function addCallersPolicy(scope: Construct, env: EnvironmentCore, model: ModelPlan): void {
  new k8s.KubeNetworkPolicy(scope, 'network-policy-callers', {
    metadata: { name: callersPolicyName(model), namespace: env.namespace, labels: modelLabels(env, model) },
    spec: {
      podSelector: { matchLabels: modelSelector(model) },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [...model.callers!] }] } }],
          ports: [PORTS.http, PORTS.grpc].map((port) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) })),
        },
      ],
    },
  });
}
