/** Every API route of the panel, by concern. */
import type { Route } from '../route.ts';
import { routes as capacity } from './capacity.ts';
import { routes as changes } from './changes.ts';
import { routes as fleet } from './fleet.ts';
import { routes as models } from './models.ts';
import { routes as pipelines } from './pipelines.ts';

export const apiRoutes: readonly Route[] = [...fleet, ...capacity, ...pipelines, ...models, ...changes];
