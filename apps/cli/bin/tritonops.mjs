#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx: no build step between a spec edit and a render.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
