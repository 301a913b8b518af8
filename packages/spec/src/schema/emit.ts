/** JSON Schema documents for editors (`# yaml-language-server: $schema=…`) and other tools. */
import { EnvironmentSchema } from './environment.ts';
import { ModelSchema } from './model.ts';
import { PipelineSchema } from './pipeline.ts';

export const SCHEMAS = {
  'environment.schema.json': EnvironmentSchema,
  'model.schema.json': ModelSchema,
  'pipeline.schema.json': PipelineSchema,
} as const;

/** The schema as a standalone JSON Schema file, with stable formatting. */
export function schemaFileText(schema: object, fileName: string): string {
  const { $id: _id, ...rest } = schema as Record<string, unknown>;
  const document = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `https://tritonops.dev/schemas/v1alpha1/${fileName}`,
    ...rest,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
