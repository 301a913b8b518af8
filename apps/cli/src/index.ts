export { run, EXIT, type Io } from './cli.ts';
export * from './output-tree.ts';
