/**
 * The environment's ingress: one Istio Gateway on the ingress gateway pods, serving every model
 * at `<model>.<domain>`. With a TLS Secret it terminates HTTPS (HTTP/2 for gRPC) and redirects
 * plain HTTP; without one it serves plain HTTP, which suits development only.
 */
import type { Construct } from 'constructs';
import type { IGateway } from '@kubernetes-models/istio/networking.istio.io/v1/Gateway';
import type { IPodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PLATFORM_NAMESPACES, type EnvironmentCore, type GatewayPlan } from '@tritonops/planner';
import { environmentLabels } from './labels.ts';
import { typedObject } from './typed-api-object.ts';

/** The Gateway lives beside the gateway pods, where `credentialName` Secrets are looked up. */
export const GATEWAY_NAMESPACE = PLATFORM_NAMESPACES.ingress;
export const GATEWAY_NAME = 'inference-gateway';
export const GATEWAY_REF = `${GATEWAY_NAMESPACE}/${GATEWAY_NAME}`;
/** Label the istio `gateway` chart puts on pods of the release `istio-ingressgateway`. */
export const GATEWAY_SELECTOR = { istio: 'ingressgateway' };

/**
 * Scrapes the gateway's proxies (Istio's standard metrics on 15090): request counts per model,
 * including requests to a model scaled to zero, which wake it.
 */
export function addGatewayMonitor(scope: Construct, env: EnvironmentCore): void {
  typedObject<IPodMonitor>(scope, 'gateway-pod-monitor', {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: { name: 'istio-ingressgateway', namespace: GATEWAY_NAMESPACE, labels: environmentLabels(env) },
    spec: {
      selector: { matchLabels: GATEWAY_SELECTOR },
      podMetricsEndpoints: [{ port: 'http-envoy-prom', path: '/stats/prometheus', interval: '15s' }],
    },
  });
}

export function addGateway(scope: Construct, env: EnvironmentCore, gateway: GatewayPlan): void {
  const hosts = [`*.${gateway.domain}`];
  typedObject<IGateway>(scope, 'gateway', {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name: GATEWAY_NAME, namespace: GATEWAY_NAMESPACE, labels: environmentLabels(env) },
    spec: {
      selector: GATEWAY_SELECTOR,
      servers: gateway.tlsSecret
        ? [
            { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts, tls: { mode: 'SIMPLE', credentialName: gateway.tlsSecret } },
            { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts, tls: { httpsRedirect: true } },
          ]
        : [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts }],
    },
  });
}
