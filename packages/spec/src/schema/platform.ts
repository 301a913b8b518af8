/**
 * `spec.platform` of an environment: the versions of the platform's Helm charts it runs. Each
 * environment pins its own, so that an upgrade goes dev → staging → production like a release;
 * an omitted chart runs the version this release of tritonops pins (the `default`s below).
 */
import { Type } from '@sinclair/typebox';
import { Defaulted, type Filled } from './defaults.ts';

/**
 * The versions this release of tritonops pins. Bumping one moves every environment that does not
 * pin its own at once, so bump them together with the release notes of each project.
 */
export const PLATFORM_CHART_DEFAULTS = {
  istio: '1.26.2',
  keda: '2.17.2',
  kubePrometheusStack: '75.15.0',
  gpuOperator: 'v25.3.1',
  flagger: '1.44.0',
} as const;

export type PlatformChart = keyof typeof PLATFORM_CHART_DEFAULTS;

/**
 * Exact versions only: a range (`^1.26`, `1.26.x`, `>=1.26`) would let the cluster upgrade itself
 * whenever the project publishes, with no change in Git to review, promote or revert.
 */
export const CHART_VERSION_PATTERN = '^[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?$';
/** NVIDIA publishes the gpu-operator chart with a leading `v` (`v25.3.1`), and Flux asks for it as published. */
export const GPU_OPERATOR_VERSION_PATTERN = '^v[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?$';

const exactly = 'An exact chart version (no range: a range would let the cluster upgrade itself).';

const Version = (chart: PlatformChart, what: string, example: string) =>
  Defaulted(
    Type.String({
      pattern: chart === 'gpuOperator' ? GPU_OPERATOR_VERSION_PATTERN : CHART_VERSION_PATTERN,
      maxLength: 64,
      default: PLATFORM_CHART_DEFAULTS[chart],
      description: `${exactly} ${what}`,
      examples: [example],
    }),
  );

export const PlatformCharts = Type.Object(
  {
    istio: Version(
      'istio',
      'Version of the Istio charts (base, cni, istiod and the ingress gateway move together). Istio supports upgrades of one minor version at a time.',
      '1.26.2',
    ),
    keda: Version('keda', 'Version of the KEDA chart.', '2.17.2'),
    kubePrometheusStack: Version('kubePrometheusStack', 'Version of the kube-prometheus-stack chart (Prometheus, Grafana, Alertmanager).', '75.15.0'),
    gpuOperator: Version(
      'gpuOperator',
      'Version of the NVIDIA GPU operator chart, with its leading `v` as NVIDIA publishes it. Rendered only in environments with GPU pools.',
      'v25.3.1',
    ),
    flagger: Version('flagger', 'Version of the Flagger chart. Rendered only while some model uses canary analysis.', '1.44.0'),
  },
  {
    additionalProperties: false,
    default: {},
    description:
      "Helm chart versions of the platform in this environment; an omitted chart runs the version tritonops pins. Upgrade dev first, then the environments promoted from it: `validate` refuses a version the environment's `promotedFrom` has never run.",
    examples: [{ istio: '1.26.2' }],
  },
);

export const Platform = Type.Object(
  { charts: Defaulted(PlatformCharts) },
  {
    additionalProperties: false,
    default: {},
    description: 'The platform under the models (Istio, KEDA, kube-prometheus-stack, the GPU operator, Flagger) that tritonops installs with Flux.',
    examples: [{ charts: { istio: '1.26.2', kubePrometheusStack: '75.15.0' } }],
  },
);

export type PlatformChartsSpec = Filled<typeof PlatformCharts>;
