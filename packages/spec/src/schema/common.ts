/**
 * Building blocks shared by every kind: the Kubernetes-style envelope, names, quantities.
 *
 * The schemas are the single source of truth for the spec's shape: TypeScript types are
 * derived from them (`Static<>`), ajv validates with them, and the JSON Schema files and the
 * field reference in docs/ are emitted from them.
 */
import { Type, type SchemaOptions, type TSchema } from '@sinclair/typebox';
import { Defaulted } from './defaults.ts';

export const API_VERSION = 'tritonops.dev/v1alpha1';

/** RFC 1035 label: what Kubernetes requires of Service names, so every derived name is valid. */
export const DNS_LABEL_PATTERN = '^[a-z]([-a-z0-9]*[a-z0-9])?$';

/** DNS subdomain (host names, domains). */
export const DNS_SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$';

/** Kubernetes Secret names: DNS-1123 subdomains. */
export const SECRET_NAME_PATTERN = '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$';

/** Keys of a Secret's `data` (what `secretKeyRef.key` names). */
export const SECRET_KEY_PATTERN = '^[-._a-zA-Z0-9]+$';

/** Names of container environment variables tritonops accepts (C identifiers). */
export const ENV_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';

/** Durations as Istio and Flagger take them: `500ms`, `60s`, `5m`, `1h`. */
export const DURATION_PATTERN = '^[0-9]+(ms|s|m|h)$';

/**
 * Model names become Deployment, Service and ServiceAccount names with suffixes such as
 * `-canary`; 52 characters leaves room for them under the 63-character label limit.
 */
export const MODEL_NAME_MAX = 52;

/** Kubernetes resource quantity, e.g. `500m`, `4`, `24Gi`, `1.5G`. */
export const QUANTITY_PATTERN = '^([0-9]+(\\.[0-9]+)?|\\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$';

/** Kubernetes label key (optional DNS-subdomain prefix) and value. */
export const LABEL_KEY_PATTERN = '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';
export const LABEL_VALUE_PATTERN = '^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$';

export const Quantity = (description: string, examples: (string | number)[]) =>
  Type.Union([Type.String({ pattern: QUANTITY_PATTERN }), Type.Number({ exclusiveMinimum: 0 })], { description, examples });

export const DefaultedQuantity = (description: string, examples: (string | number)[], defaultValue: string) =>
  Defaulted(Type.Union([Type.String({ pattern: QUANTITY_PATTERN }), Type.Number({ exclusiveMinimum: 0 })], { description, examples, default: defaultValue }));

/**
 * A map with constrained keys. `propertyNames` (rather than TypeBox's keyed `patternProperties`)
 * makes a bad key an error that names the key instead of silently ignoring it.
 */
export const Dictionary = <V extends TSchema>(keyPattern: string, value: V, options: SchemaOptions, keyMaxLength?: number) =>
  Type.Record(Type.String(), value, { ...options, propertyNames: { pattern: keyPattern, ...(keyMaxLength !== undefined ? { maxLength: keyMaxLength } : {}) } });

/** An HTTP header value a person can read: visible ASCII, inner spaces allowed (RFC 9110 field-value, minus obs-text). */
export const HEADER_VALUE_PATTERN = '^[!-~]([ -~]*[!-~])?$';

export const Labels = (description: string, examples: Record<string, string>[]) =>
  Dictionary(LABEL_KEY_PATTERN, Type.String({ pattern: LABEL_VALUE_PATTERN, maxLength: 63 }), { description, examples });

/** The Kubernetes-style envelope every spec file carries. */
export const Envelope = <K extends string, S extends TSchema>(kind: K, spec: S, options: { description: string; nameMaxLength: number; nameExample: string }) =>
  Type.Object(
    {
      apiVersion: Type.Literal(API_VERSION, {
        description: 'Version of the tritonops spec format.',
        examples: [API_VERSION],
      }),
      kind: Type.Literal(kind, { description: 'What this file declares.', examples: [kind] }),
      metadata: Type.Object(
        {
          name: Type.String({
            pattern: DNS_LABEL_PATTERN,
            maxLength: options.nameMaxLength,
            description: `Name: a DNS-1123 label starting with a letter, at most ${options.nameMaxLength} characters.`,
            examples: [options.nameExample],
          }),
          labels: Type.Optional(Labels('Labels copied onto every object rendered from this file.', [{ team: 'speech' }])),
          annotations: Type.Optional(
            Dictionary(LABEL_KEY_PATTERN, Type.String({ minLength: 1 }), {
              description:
                'Notes for tritonops itself, e.g. `tritonops.dev/promotion-override: "<reason>"` to run a release the source environment has not run (shown in `tritonops diff`).',
              examples: [{ 'tritonops.dev/promotion-override': 'hotfix for CVE-2024-0001, staging follows' }],
            }),
          ),
        },
        {
          additionalProperties: false,
          description: 'Identity of this object.',
          examples: [{ name: options.nameExample }],
        },
      ),
      spec,
    },
    { additionalProperties: false, description: options.description, $id: `${kind}` },
  );
