/**
 * How requests reach a model's tracks through Istio: a DestinationRule with one subset per track,
 * a VirtualService for callers inside the mesh, and one for the ingress gateway. The gateway's
 * VirtualService names ports explicitly (gRPC by its content type to 8001, the rest to 8000)
 * because the Service has several; inside the mesh a request keeps the port it was sent to.
 * Canary routing: the header-forced route first, then the weighted split, with mirroring.
 */
import type { Construct } from 'constructs';
import type { IDestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import type { IVirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import type { EnvironmentCore, ModelPlan } from '@tritonops/planner';
import { modelLabels, TRACK_LABEL } from './labels.ts';
import { GATEWAY_REF } from './gateway.ts';
import { PORTS } from './triton-server.ts';
import { typedObject } from './typed-api-object.ts';

type HttpRoute = NonNullable<NonNullable<IVirtualService['spec']>['http']>[number];
type Match = NonNullable<HttpRoute['match']>[number];
type Destination = NonNullable<HttpRoute['route']>[number];

/** Cluster-local name of a model's Service: the host every route and rule names. */
export function serviceHost(env: EnvironmentCore, model: ModelPlan): string {
  return `${model.name}.${env.namespace}.svc.cluster.local`;
}

/** Where the model is reachable from outside: `<model>.<domain>`. */
export function publicHost(env: EnvironmentCore, model: ModelPlan): string | undefined {
  return env.gateway ? `${model.name}.${env.gateway.domain}` : undefined;
}

const GRPC_CONTENT_TYPE = { prefix: 'application/grpc' };

export function addDestinationRule(scope: Construct, env: EnvironmentCore, model: ModelPlan): void {
  typedObject<IDestinationRule>(scope, 'destination-rule', {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: model.name, namespace: env.namespace, labels: modelLabels(env, model) },
    spec: {
      host: serviceHost(env, model),
      // Inference requests vary wildly in cost: send each to the replica with the fewest in flight.
      trafficPolicy: { loadBalancer: { simple: 'LEAST_REQUEST' } },
      subsets: model.tracks.map((t) => ({ name: t.track, labels: { [TRACK_LABEL]: t.track } })),
    },
  });
}

export function addVirtualServices(scope: Construct, env: EnvironmentCore, model: ModelPlan): void {
  const host = serviceHost(env, model);
  const labels = modelLabels(env, model);
  const routing = model.routing;
  const retries = {
    attempts: model.traffic.retries.attempts,
    ...(model.traffic.retries.attempts > 0
      ? {
          retryOn: model.traffic.retries.retryOn.join(','),
          ...(model.traffic.retries.perTryTimeout ? { perTryTimeout: model.traffic.retries.perTryTimeout } : {}),
        }
      : {}),
  };
  const to = (subset: string, port?: number): Destination['destination'] => ({ host, subset, ...(port ? { port: { number: port } } : {}) });
  // A route names the canary subset only while it sends the canary traffic: removing the canary
  // then takes two steps (weight to 0, then the track), and Envoy never routes to a subset that
  // is gone (Istio's "make before break").
  const split = (port?: number): Destination[] =>
    routing && routing.weight > 0
      ? [
          { destination: to('stable', port), weight: 100 - routing.weight },
          { destination: to('canary', port), weight: routing.weight },
        ]
      : [{ destination: to('stable', port) }];
  const mirror = (port?: number) =>
    routing?.mirrorPercent !== undefined ? { mirror: to('canary', port), mirrorPercentage: { value: routing.mirrorPercent } } : {};
  const forced: Match['headers'] | undefined = routing?.header ? { [routing.header.name]: { exact: routing.header.value } } : undefined;
  const route = (name: string, destinations: Destination[], match?: Match[], extra = {}): HttpRoute => ({
    name,
    ...(match ? { match } : {}),
    route: destinations,
    // None for streams: Istio's default is no route timeout (it refuses `0s`, under 1ms).
    ...(model.traffic.timeout ? { timeout: model.traffic.timeout } : {}),
    retries,
    ...extra,
  });

  // Inside the mesh (pipelines, other services): every port, kept as sent.
  const meshRoutes: HttpRoute[] = [
    ...(forced ? [route('canary-by-header', [{ destination: to('canary') }], [{ headers: forced }])] : []),
    route('default', split(), undefined, mirror()),
  ];
  typedObject<IVirtualService>(scope, 'virtual-service-mesh', {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: model.name, namespace: env.namespace, labels },
    spec: { hosts: [host], gateways: ['mesh'], http: meshRoutes },
  });

  const external = publicHost(env, model);
  if (!external) return;
  const grpc = { 'content-type': GRPC_CONTENT_TYPE };
  const gatewayRoutes: HttpRoute[] = [
    ...(forced
      ? [
          route('canary-by-header-grpc', [{ destination: to('canary', PORTS.grpc) }], [{ headers: { ...forced, ...grpc } }]),
          route('canary-by-header', [{ destination: to('canary', PORTS.http) }], [{ headers: forced }]),
        ]
      : []),
    route('grpc', split(PORTS.grpc), [{ headers: grpc }], mirror(PORTS.grpc)),
    route('http', split(PORTS.http), undefined, mirror(PORTS.http)),
  ];
  typedObject<IVirtualService>(scope, 'virtual-service-ingress', {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: `${model.name}-ingress`, namespace: env.namespace, labels },
    spec: { hosts: [external], gateways: [GATEWAY_REF], http: gatewayRoutes },
  });
}
