/**
 * PromQL checks with the Prometheus project's own parser (@prometheus-io/lezer-promql): an
 * expression must parse without error nodes, and every label it names must be one the scraped
 * series of that metric actually carry.
 */
import { parser } from '@prometheus-io/lezer-promql';

/** Labels prometheus-operator adds to every PodMonitor target, plus our podTargetLabels and the GPU pool our relabelling sets. */
const POD_TARGET = [
  'namespace',
  'pod',
  'container',
  'endpoint',
  'job',
  'instance',
  'tritonops_dev_model',
  'tritonops_dev_track',
  'app_kubernetes_io_name',
  'tritonops_dev_gpu_pool',
];

/** Label names by metric family (prefix of the metric name). */
const FAMILIES: [prefix: string, labels: string[]][] = [
  ['nv_', [...POD_TARGET, 'model', 'version', 'gpu_uuid', 'le', 'reason']],
  ['DCGM_', ['gpu', 'UUID', 'device', 'modelName', 'Hostname', 'pod', 'namespace', 'container', 'job', 'instance']],
  [
    'istio_',
    [
      'reporter',
      'source_workload',
      'source_workload_namespace',
      'destination_service',
      'destination_service_name',
      'destination_service_namespace',
      'destination_workload',
      'response_code',
      'request_protocol',
      'namespace',
      'pod',
      'job',
      'instance',
    ],
  ],
  ['kube_deployment_', ['namespace', 'deployment', 'job', 'instance']],
  ['kube_horizontalpodautoscaler_', ['namespace', 'horizontalpodautoscaler', 'job', 'instance']],
];

export interface PromqlReport {
  readonly syntaxErrors: number;
  /** `metric: label` for every label a selector names that its metric does not carry. */
  readonly unknownLabels: string[];
  readonly metrics: string[];
}

export function checkPromql(expr: string): PromqlReport {
  const tree = parser.parse(expr);
  let syntaxErrors = 0;
  const unknownLabels: string[] = [];
  const metrics: string[] = [];
  const grouping: string[] = [];
  const text = (from: number, to: number) => expr.slice(from, to);
  tree.iterate({
    enter: (node) => {
      if (node.type.isError) syntaxErrors++;
      if (node.name === 'VectorSelector') {
        const selector = node.node;
        const identifier = selector.getChild('Identifier');
        const metric = identifier ? text(identifier.from, identifier.to) : '';
        metrics.push(metric);
        const allowed = FAMILIES.find(([prefix]) => metric.startsWith(prefix))?.[1];
        const matchers = selector.getChild('LabelMatchers');
        matchers?.cursor().iterate((n) => {
          if (n.name !== 'LabelName') return;
          const label = text(n.from, n.to);
          if (!allowed || !allowed.includes(label)) unknownLabels.push(`${metric || '(no metric)'}: ${label}`);
        });
        return false;
      }
      if (node.name === 'GroupingLabels') {
        node.node.cursor().iterate((n) => void (n.name === 'LabelName' && grouping.push(text(n.from, n.to))));
      }
      return undefined;
    },
  });
  const carried = new Set(metrics.flatMap((m) => FAMILIES.find(([prefix]) => m.startsWith(prefix))?.[1] ?? []));
  for (const label of grouping) if (!carried.has(label)) unknownLabels.push(`(grouping): ${label}`);
  return { syntaxErrors, unknownLabels, metrics };
}

/** Grafana's and Flagger's template variables replaced by values PromQL accepts. */
export function substituteTemplates(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$model', '.*')
    .replaceAll('{{ namespace }}', 'inference')
    .replaceAll('{{ target }}', 'model')
    .replaceAll('{{ interval }}', '1m');
}
