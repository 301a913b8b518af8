/**
 * One trace per request across the ingress gateway, the sidecars and Triton: the Istio proxies
 * and Triton both speak OpenTelemetry with W3C trace context (`traceparent`) to the environment's
 * collector. Triton's arguments are set on its container (see triton-server.ts); this file holds
 * the mesh side: the extension provider istiod knows and the Telemetry that enables it.
 */
import type { Construct } from 'constructs';
import type { ITelemetry } from '@kubernetes-models/istio/telemetry.istio.io/v1/Telemetry';
import type { EnvironmentCore, TracingPlan } from '@tritonops/planner';
import { environmentLabels } from './labels.ts';
import { typedObject } from './typed-api-object.ts';

export const TRACING_PROVIDER = 'otel';

/** istiod's `meshConfig.extensionProviders` entry for the collector (OTLP/gRPC on 4317). */
export function tracingExtensionProvider(tracing: TracingPlan): Record<string, unknown> {
  return { name: TRACING_PROVIDER, opentelemetry: { service: tracing.collector, port: 4317 } };
}

export function addTelemetry(scope: Construct, env: EnvironmentCore, tracing: TracingPlan): void {
  typedObject<ITelemetry>(scope, 'telemetry', {
    apiVersion: 'telemetry.istio.io/v1',
    kind: 'Telemetry',
    metadata: { name: 'tracing', namespace: env.namespace, labels: environmentLabels(env) },
    spec: { tracing: [{ providers: [{ name: TRACING_PROVIDER }], randomSamplingPercentage: tracing.samplingPercent }] },
  });
}
