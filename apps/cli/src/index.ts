export { run } from './cli.ts';
export { EXIT, EXIT_CODES, type Io } from './io.ts';
export * from './output-tree.ts';
