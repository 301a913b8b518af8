/**
 * Custom resources (Flux, prometheus-operator, later Istio and KEDA) as cdk8s ApiObjects whose
 * bodies are typed by the `@kubernetes-models/*` interfaces: a misspelled field fails the
 * build, and the same packages validate the rendered output in the tests.
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';

/** The shape every `@kubernetes-models` interface shares. */
interface TypedResource {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string };
}

export function typedObject<T extends TypedResource>(scope: Construct, id: string, body: T & { metadata: { name: string } }): ApiObject {
  const { apiVersion, kind, metadata, ...rest } = body;
  return new ApiObject(scope, id, { apiVersion, kind, metadata, ...rest } as ConstructorParameters<typeof ApiObject>[2]);
}
