/** Tensors as Triton and the KServe v2 protocol describe them: name, datatype, shape. */
import { Type } from '@sinclair/typebox';
import type { Filled } from './defaults.ts';
import { Dictionary } from './common.ts';

/** KServe v2 datatypes (Triton's config spells BYTES as TYPE_STRING). */
export const DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BF16', 'BYTES'] as const;
export type Datatype = (typeof DATATYPES)[number];

export const TENSOR_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';

export const Tensor = Type.Object(
  {
    name: Type.String({ pattern: TENSOR_NAME_PATTERN, maxLength: 64, description: 'Tensor name, as the Triton model declares it.', examples: ['AUDIO'] }),
    datatype: Type.Union(
      DATATYPES.map((d) => Type.Literal(d)),
      { description: 'KServe v2 datatype.', examples: ['FP32'] },
    ),
    shape: Type.Array(Type.Integer({ minimum: -1 }), {
      minItems: 1,
      maxItems: 8,
      description: 'Dimensions; -1 for a variable one.',
      examples: [[-1]],
    }),
  },
  { additionalProperties: false, description: 'A tensor.', examples: [{ name: 'AUDIO', datatype: 'FP32', shape: [-1] }] },
);

export const Signature = Type.Object(
  {
    inputs: Type.Array(Tensor, {
      minItems: 1,
      description: 'Input tensors of the Triton model.',
      examples: [[{ name: 'AUDIO', datatype: 'FP32', shape: [-1] }]],
    }),
    outputs: Type.Array(Tensor, {
      minItems: 1,
      description: 'Output tensors of the Triton model.',
      examples: [[{ name: 'TEXT', datatype: 'BYTES', shape: [1] }]],
    }),
  },
  { additionalProperties: false, description: 'Inputs and outputs of one Triton model.', examples: [] },
);

export const Signatures = (description: string) =>
  Dictionary('^[A-Za-z0-9][A-Za-z0-9_.-]*$', Signature, {
    description,
    examples: [{ whisper: { inputs: [{ name: 'AUDIO', datatype: 'FP32', shape: [-1] }], outputs: [{ name: 'TEXT', datatype: 'BYTES', shape: [1] }] } }],
  });

export type TensorSpec = Filled<typeof Tensor>;
export type SignatureSpec = Filled<typeof Signature>;
