/**
 * Progressive delivery by Flagger (Istio provider). For a model with `canary.analysis` Flagger
 * owns the Services, the VirtualService and the DestinationRules: it copies the model's
 * Deployment into `<model>-primary`, and on every change to the Deployment's release shifts
 * traffic to it step by step while Triton's own metrics stay healthy, then promotes or rolls
 * back. tritonops renders the Canary, the MetricTemplates and the target's ScaledObject, and
 * nothing Flagger makes itself. Switching analysis on or off takes two steps (a `handover`; see
 * docs/transitions.md).
 *
 * No `@kubernetes-models` package covers Flagger, so the bodies are typed here after the CRD of
 * Flagger v1.44; the tests validate them against that CRD's OpenAPI schema.
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { EnvironmentCore, ModelPlan } from '@tritonops/planner';
import { flaggerScaling, scaledObjectTriggers } from './autoscaling.ts';
import { PROMETHEUS_URL } from './flux/infrastructure.ts';
import { GATEWAY_REF } from './gateway.ts';
import { environmentLabels, modelLabels } from './labels.ts';
import { publicHost } from './istio-routing.ts';
import { PROM_APP_LABEL, selectSeries } from './promql.ts';
import { PORTS } from './triton-server.ts';

interface ObjectMeta {
  name: string;
  namespace: string;
  labels?: Record<string, string>;
}

interface CanaryMetric {
  name: string;
  interval?: string;
  templateRef: { name: string; namespace?: string };
  thresholdRange: { min?: number; max?: number };
}

export interface FlaggerCanary {
  apiVersion: 'flagger.app/v1beta1';
  kind: 'Canary';
  metadata: ObjectMeta;
  spec: {
    provider: 'istio';
    targetRef: { apiVersion: 'apps/v1'; kind: 'Deployment'; name: string };
    revertOnDeletion: boolean;
    autoscalerRef: { apiVersion: 'keda.sh/v1alpha1'; kind: 'ScaledObject'; name: string; primaryScalerQueries: Record<string, string> };
    progressDeadlineSeconds: number;
    service: {
      name: string;
      port: number;
      targetPort: number;
      portName: string;
      portDiscovery: boolean;
      gateways: string[];
      hosts?: string[];
      timeout?: string;
      retries: { attempts: number; perTryTimeout?: string; retryOn?: string };
      trafficPolicy: { loadBalancer: { simple: 'LEAST_REQUEST' } };
    };
    analysis: {
      interval: string;
      threshold: number;
      maxWeight: number;
      stepWeight: number;
      metrics: CanaryMetric[];
    };
  };
}

export interface FlaggerMetricTemplate {
  apiVersion: 'flagger.app/v1beta1';
  kind: 'MetricTemplate';
  metadata: ObjectMeta;
  spec: { provider: { type: 'prometheus'; address: string }; query: string };
}

export const SUCCESS_RATE_TEMPLATE = 'triton-success-rate';
export const QUEUE_TIME_TEMPLATE = 'triton-queue-time';

/**
 * The canary's pods, by the PodMonitor's target labels: Flagger renames `app.kubernetes.io/name`
 * to `<target>-primary` on the primary's pods, so `<target>` is the canary alone — whatever the
 * length of the pods' names.
 */
const CANARY_PODS = `namespace="{{ namespace }}",${PROM_APP_LABEL}="{{ target }}"`;

/** The requests callers sent the canary's Service, as their proxies count them (`<target>-canary`). */
const CANARY_CALLS = `reporter="source",destination_service_namespace="{{ namespace }}",destination_service_name="{{ target }}-canary"`;

/**
 * Percent of successful requests, by the stricter of two witnesses:
 * - Triton's counters on the canary's pods (failures include rejected requests, not cancelled ones);
 * - the callers' proxies (the ingress gateway's, pipelines' sidecars), whose 5xx include what never
 *   reached Triton: no healthy endpoint, resets, route timeouts.
 * Flagger counts a NaN as "no values" and a failed check, so a canary no request reached in the
 * interval would be rolled back for being idle: no request is no failure, and each witness reads
 * 100. A canary whose Triton exports nothing (its model did not load) still returns no value, and
 * fails. `(A <= B) or (B < A)` is the smaller of two one-sample results, and nothing if A is absent.
 */
const canaryRate = (metric: string) => `sum(rate(${selectSeries(metric, CANARY_PODS)}[{{ interval }}]))`;
const TRITON_SUCCESS = `(100 - 100 * ${canaryRate('nv_inference_request_failure')} / clamp_min(${canaryRate('nv_inference_request_success')} + ${canaryRate('nv_inference_request_failure')}, 1e-9))`;
const CALLER_SUCCESS = `(100 - 100 * (sum(rate(istio_requests_total{${CANARY_CALLS},response_code=~"5.."}[{{ interval }}])) or on() vector(0)) / clamp_min(sum(rate(istio_requests_total{${CANARY_CALLS}}[{{ interval }}])) or on() vector(0), 1e-9))`;
export const SUCCESS_RATE_QUERY = [`${TRITON_SUCCESS} <= on() ${CALLER_SUCCESS}`, 'or on()', `${CALLER_SUCCESS} < on() ${TRITON_SUCCESS}`].join('\n');

/**
 * Mean queue time per request in ms; Triton's `*_duration_us` are cumulative counters. With no
 * request in the interval, nothing waited: 0, not NaN.
 */
export const QUEUE_TIME_QUERY = [
  `sum(rate(nv_inference_queue_duration_us{${CANARY_PODS}}[{{ interval }}]))`,
  '/',
  `clamp_min(sum(rate(nv_inference_request_success{${CANARY_PODS}}[{{ interval }}])), 1e-9)`,
  '/ 1000',
].join('\n');

export function addMetricTemplates(scope: Construct, env: EnvironmentCore): void {
  const template = (name: string, query: string): FlaggerMetricTemplate => ({
    apiVersion: 'flagger.app/v1beta1',
    kind: 'MetricTemplate',
    metadata: { name, namespace: env.namespace, labels: environmentLabels(env) },
    spec: { provider: { type: 'prometheus', address: PROMETHEUS_URL }, query },
  });
  const add = (id: string, body: FlaggerMetricTemplate) => new ApiObject(scope, id, body);
  add('success-rate', template(SUCCESS_RATE_TEMPLATE, SUCCESS_RATE_QUERY));
  add('queue-time', template(QUEUE_TIME_TEMPLATE, QUEUE_TIME_QUERY));
}

/**
 * The window a check's rates look back over (`{{ interval }}`): the analysis interval, but at least
 * a minute — four scrapes at 15 s. `rate()` needs two samples in its window: a 10 s window holds at
 * most one, and even 30 s holds only two under Prometheus 3's left-open ranges, one missed scrape
 * from "no values" and a rollback.
 */
export function metricWindow(interval: string): string {
  const m = /^(\d+)(s|m)$/.exec(interval);
  const seconds = m ? Number(m[1]) * (m[2] === 'm' ? 60 : 1) : 0;
  return seconds >= 60 ? interval : '1m';
}

export function addCanary(scope: Construct, env: EnvironmentCore, model: ModelPlan): void {
  const analysis = model.analysis;
  if (!analysis) return;
  const external = publicHost(env, model);
  const retries = model.traffic.retries;
  const body: FlaggerCanary = {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: model.name, namespace: env.namespace, labels: modelLabels(env, model) },
    spec: {
      provider: 'istio',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: model.name },
      // Deleting the Canary (analysis turned off) hands the model back: Flagger scales the target
      // up, resumes its ScaledObject and restores the Service and VirtualService before its
      // primary goes. Without it the target stays at zero, paused, behind routes to nothing.
      revertOnDeletion: true,
      // Flagger copies the ScaledObject for its primary; these are the copy's queries, scoped to
      // the primary's pods instead of the canary's. A model that does not autoscale has one too
      // (min = max), so that no one but Flagger sets the target's replicas.
      autoscalerRef: {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        name: model.name,
        primaryScalerQueries: Object.fromEntries(
          scaledObjectTriggers(env, model, flaggerScaling(model), `${model.name}-primary`, 'stable').map((t) => [t.name, t.query]),
        ),
      },
      progressDeadlineSeconds: model.startupTimeoutSeconds + 300,
      service: {
        name: model.name,
        port: PORTS.http,
        targetPort: PORTS.http,
        portName: 'http',
        // Every container port (grpc, metrics) joins the Services Flagger makes.
        portDiscovery: true,
        // With the ingress gateway listed first Flagger pins routes to the HTTP port, which the
        // gateway needs on a multi-port Service; see docs/architecture.md for what it costs gRPC.
        gateways: external ? [GATEWAY_REF, 'mesh'] : ['mesh'],
        ...(external ? { hosts: [external] } : {}),
        // Streams get none: Flagger then writes its routes without a timeout.
        ...(model.traffic.timeout ? { timeout: model.traffic.timeout } : {}),
        retries: {
          attempts: retries.attempts,
          ...(retries.attempts > 0 ? { retryOn: retries.retryOn.join(','), ...(retries.perTryTimeout ? { perTryTimeout: retries.perTryTimeout } : {}) } : {}),
        },
        trafficPolicy: { loadBalancer: { simple: 'LEAST_REQUEST' } },
      },
      analysis: {
        interval: analysis.interval,
        threshold: analysis.threshold,
        maxWeight: analysis.maxWeight,
        stepWeight: analysis.stepWeight,
        metrics: [
          {
            name: 'success-rate',
            interval: metricWindow(analysis.interval),
            templateRef: { name: SUCCESS_RATE_TEMPLATE, namespace: env.namespace },
            thresholdRange: { min: analysis.successRate },
          },
          {
            name: 'queue-time',
            interval: metricWindow(analysis.interval),
            templateRef: { name: QUEUE_TIME_TEMPLATE, namespace: env.namespace },
            thresholdRange: { max: analysis.maxQueueTimeMs },
          },
        ],
      },
    },
  };
  new ApiObject(scope, 'canary', body);
}
