/** GET /api/capacity: `tritonops capacity`'s numbers, from the same planCapacity. */
import { formatCapacityTable, planCapacity } from '@tritonops/planner';
import type { CapacityResponse } from '@tritonops/ui/api';
import type { Route } from '../route.ts';

export const routes: Route[] = [
  {
    method: 'GET',
    path: '/api/capacity',
    handle: ({ state }): CapacityResponse => {
      const load = state.current();
      if (load.hasErrors) {
        const errors = load.diagnostics.filter((d) => d.severity === 'error').length;
        return { environments: [], table: '', unavailable: `capacity is planned on valid specs: fix the ${errors} error${errors === 1 ? '' : 's'} first` };
      }
      const reports = load.plans.map(planCapacity);
      return { environments: reports, table: formatCapacityTable(reports) };
    },
  },
];
