export * from './schema/common.ts';
export * from './schema/tensor.ts';
export * from './schema/environment.ts';
export * from './schema/model.ts';
export * from './schema/pipeline.ts';
export * from './schema/defaults.ts';
export * from './schema/emit.ts';
export * from './schema/reference-doc.ts';
