/**
 * GET /api/capacity: `tritonops capacity`'s numbers, from the same planCapacity and table, and its
 * refusal in its own words when the specs have errors (capacity is planned on valid specs only).
 * Computed once per load of the repository, as the fleet is.
 */
import { formatCapacityTable, planCapacity } from '@tritonops/planner';
import type { CapacityResponse } from '@tritonops/ui/api';
import { tally } from '../../report.ts';
import type { PanelLoad } from '../panel-state.ts';
import type { Route } from '../route.ts';

function capacityOf(load: PanelLoad): CapacityResponse {
  if (load.hasErrors) return { environments: [], table: '', unavailable: `capacity needs valid specs: ${tally(load.diagnostics)}` };
  const reports = load.plans.map(planCapacity);
  // The planner's reports as they are, no cast: this typed assignment is what checks that the
  // planner's EnvironmentCapacity fits the API's copy (the browser bundle imports no planner code).
  return { environments: reports, table: formatCapacityTable(reports) };
}

const answers = new WeakMap<PanelLoad, CapacityResponse>();

export const routes: Route[] = [
  {
    method: 'GET',
    path: '/api/capacity',
    handle: ({ state }): CapacityResponse => {
      const load = state.current();
      let answer = answers.get(load);
      if (!answer) answers.set(load, (answer = capacityOf(load)));
      return answer;
    },
  },
];
