/**
 * docs/spec-reference.md, generated from the schemas: every field with its type, whether it is
 * required, its default, what it means and an example. Generated, so it cannot drift; a test
 * fails when the committed file is not what the schemas say.
 */
import { stringify } from 'yaml';
import { EnvironmentSchema } from './environment.ts';
import { ModelSchema } from './model.ts';
import { PipelineSchema } from './pipeline.ts';

type Schema = Record<string, unknown>;

interface Row {
  readonly path: string;
  readonly type: string;
  readonly required: boolean;
  readonly default?: unknown;
  readonly description: string;
  readonly example?: unknown;
}

/** Every field of `schema`, depth first, in declaration order. */
export function fieldRows(schema: Schema, prefix = ''): Row[] {
  const rows: Row[] = [];
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  for (const [name, child] of Object.entries(properties)) {
    const path = prefix ? `${prefix}.${name}` : name;
    rows.push({
      path,
      type: typeName(child),
      required: required.has(name),
      ...(child.default !== undefined ? { default: child.default } : {}),
      description: String(child.description ?? ''),
      ...((child.examples as unknown[] | undefined)?.length ? { example: (child.examples as unknown[])[0] } : {}),
    });
    rows.push(...nestedRows(child, path));
  }
  return rows;
}

function nestedRows(child: Schema, path: string): Row[] {
  if (child.type === 'object' && child.properties) return fieldRows(child, path);
  if (child.type === 'array' && (child.items as Schema | undefined)?.type === 'object') return fieldRows(child.items as Schema, `${path}[]`);
  // A map of objects (gpuPools): document the value's fields under `<name>`.
  const values = mapValues(child);
  if (values?.type === 'object') return fieldRows(values, `${path}.<name>`);
  return [];
}

/** The value schema of a map (TypeBox records use `patternProperties`). */
function mapValues(schema: Schema): Schema | undefined {
  if (schema.type !== 'object' || schema.properties) return undefined;
  const pattern = schema.patternProperties as Record<string, Schema> | undefined;
  if (pattern) return Object.values(pattern)[0];
  return typeof schema.additionalProperties === 'object' ? (schema.additionalProperties as Schema) : undefined;
}

function typeName(schema: Schema): string {
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  const anyOf = schema.anyOf as Schema[] | undefined;
  if (anyOf) {
    if (anyOf.every((s) => s.const !== undefined)) return anyOf.map((s) => `\`${JSON.stringify(s.const)}\``).join(' \\| ');
    if (anyOf.some((s) => typeof s.pattern === 'string' && String(s.pattern).includes('Ki|Mi'))) return 'quantity';
    return anyOf.map(typeName).join(' \\| ');
  }
  if (schema.type === 'array') return `list of ${typeName((schema.items ?? {}) as Schema)}`;
  const values = mapValues(schema);
  if (values) return `map of ${values.type === 'object' ? 'objects' : typeName(values)}`;
  return String(schema.type ?? 'any');
}

function cell(value: unknown): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `\`${text.replace(/\|/g, '\\|')}\``;
}

function section(title: string, file: string, schema: Schema): string {
  const rows = fieldRows(schema);
  const lines = [
    `## ${title}`,
    '',
    String(schema.description ?? ''),
    '',
    `File: \`${file}\`. JSON Schema: [\`packages/spec/schemas/${title.toLowerCase()}.schema.json\`](../packages/spec/schemas/${title.toLowerCase()}.schema.json).`,
    '',
    '| Field | Type | Required | Default | Description | Example |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| \`${r.path}\` | ${r.type} | ${r.required ? 'yes' : 'no'} | ${cell(r.default)} | ${r.description.replace(/\|/g, '\\|').replace(/\n/g, ' ')} | ${cell(r.example)} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

export const EXAMPLE_ENVIRONMENT = {
  apiVersion: 'tritonops.dev/v1alpha1',
  kind: 'Environment',
  metadata: { name: 'production' },
  spec: {
    promotedFrom: 'staging',
    namespace: 'inference',
    git: { url: 'ssh://git@git.example.com/acme/inference-platform.git', branch: 'main', secretRef: 'flux-git-auth' },
    gpuPools: {
      t4: { nodeSelector: { 'gpu.example.com/model': 'tesla-t4' }, gpusPerNode: 1, maxNodes: 4, gpuMemory: '16Gi' },
      'a100-mig': {
        nodeSelector: { 'gpu.example.com/model': 'a100-80' },
        resource: 'nvidia.com/mig-3g.40gb',
        gpusPerNode: 2,
        maxNodes: 2,
        gpuMemory: '40Gi',
      },
    },
    s3: { endpoint: 'https://s3.ru-1.storage.example.com:443', region: 'ru-1', credentialsSecret: 's3-model-reader' },
    sfs: { server: '10.222.2.252', path: '/shares/model-cache', size: '500Gi' },
  },
};

export const EXAMPLE_MODEL = {
  apiVersion: 'tritonops.dev/v1alpha1',
  kind: 'Model',
  metadata: { name: 'whisper', labels: { team: 'speech' } },
  spec: {
    image: 'nvcr.io/nvidia/tritonserver:24.10-py3',
    repository: 's3://models/whisper/2024-11-02',
    models: ['whisper'],
    gpuPool: 't4',
    gpus: 1,
    replicas: 2,
    resources: { cpu: '4', memory: '24Gi', shm: '2Gi' },
    cache: 'sfs',
  },
};

export const EXAMPLE_PIPELINE = {
  apiVersion: 'tritonops.dev/v1alpha1',
  kind: 'Pipeline',
  metadata: { name: 'speech-to-image', labels: { team: 'speech' } },
  spec: {
    inputs: [{ name: 'AUDIO', datatype: 'FP32', shape: [-1] }],
    outputs: [{ name: 'IMAGE', datatype: 'UINT8', shape: [-1, -1, 3], from: 'draw.IMAGE' }],
    steps: [
      { name: 'transcribe', model: 'whisper', inputs: { AUDIO: 'input.AUDIO' } },
      { name: 'draw', model: 'stable-diffusion', inputs: { PROMPT: 'transcribe.TEXT' }, timeoutSeconds: 120 },
    ],
  },
};

/** The kinds the reference documents, one section each: every schema of `SCHEMAS` (a test checks). */
export const REFERENCE_KINDS = [
  { kind: 'Environment', file: 'environments/<env>/environment.yaml', schema: EnvironmentSchema },
  { kind: 'Model', file: 'environments/<env>/models/<name>.yaml', schema: ModelSchema },
  { kind: 'Pipeline', file: 'environments/<env>/pipelines/<name>.yaml', schema: PipelineSchema },
] as const;

export function referenceDoc(): string {
  const yamlBlock = (value: unknown, schemaFile: string) =>
    ['```yaml', `# yaml-language-server: $schema=${schemaFile}`, stringify(value, { lineWidth: 0 }).trimEnd(), '```'].join('\n');
  return [
    '# Spec reference',
    '',
    '<!-- Generated from packages/spec/src/schema by `npm run schemas`. Do not edit by hand. -->',
    '',
    'Every spec file is Kubernetes-style: `apiVersion: tritonops.dev/v1alpha1`, `kind`, `metadata.name`, `spec`.',
    'Unknown keys are errors. Start each file with the `# yaml-language-server: $schema=…` line so that',
    'editors with the YAML language server complete and check it as you type.',
    '',
    '## Examples',
    '',
    '`environments/production/environment.yaml`:',
    '',
    yamlBlock(EXAMPLE_ENVIRONMENT, '../../packages/spec/schemas/environment.schema.json'),
    '',
    '`environments/production/models/whisper.yaml`:',
    '',
    yamlBlock(EXAMPLE_MODEL, '../../../packages/spec/schemas/model.schema.json'),
    '',
    '`environments/production/pipelines/speech-to-image.yaml`:',
    '',
    yamlBlock(EXAMPLE_PIPELINE, '../../../packages/spec/schemas/pipeline.schema.json'),
    '',
    ...REFERENCE_KINDS.map((k) => section(k.kind, k.file, k.schema as unknown as Schema)),
  ].join('\n');
}
