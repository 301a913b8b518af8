/**
 * `#/fleet`: what runs where (GET /api/fleet): every model and pipeline by environment, in
 * promotion order, with the releases waiting to move along the chain, a search and filters, and
 * the working tree's problems. The answer is indexed once; a keystroke filters the index, and
 * the grid renders only the rows in view.
 */
import { useDeferredValue, useEffect, useMemo, useState } from 'react';
import { ApiFailure, get } from '../api/client.ts';
import type { FleetResponse } from '../api/types.ts';
import { DiagnosticList, ErrorNote } from '../shell/Diagnostics.tsx';
import { FleetFilters } from './FleetFilters.tsx';
import { FleetGrid } from './FleetGrid.tsx';
import { countFleet, filterFleet, indexFleet, NO_FILTER, promotionOrder, type FleetFilter } from './fleet-view.ts';
import { plural } from '../shell/plural.ts';

export function FleetPage() {
  const [fleet, setFleet] = useState<FleetResponse>();
  const [failure, setFailure] = useState<{ message: string; hint?: string }>();

  const [loads, setLoads] = useState(0);

  // Asked again when the user reloads: the server answers the working tree as it is now.
  useEffect(() => {
    get<FleetResponse>('/api/fleet').then(
      (answer) => {
        setFleet(answer);
        setFailure(undefined);
      },
      (error: unknown) => setFailure({ message: (error as Error).message, ...(error instanceof ApiFailure && error.hint ? { hint: error.hint } : {}) }),
    );
  }, [loads]);

  return (
    <div className="fleet-page">
      <div className="fleet-title">
        <h1>Fleet</h1>
        {fleet && (
          <button type="button" onClick={() => setLoads((n) => n + 1)}>
            Reload
          </button>
        )}
      </div>
      {failure && <ErrorNote message={failure.message} hint={failure.hint} />}
      {!fleet && !failure && <p role="status">Loading the fleet…</p>}
      {fleet && <FleetView fleet={fleet} />}
    </div>
  );
}

function FleetView({ fleet }: { fleet: FleetResponse }) {
  const [filter, setFilter] = useState<FleetFilter>(NO_FILTER);
  // Typing stays responsive: the grid follows the search a frame later when the fleet is large.
  const deferred = useDeferredValue(filter);
  const environments = useMemo(() => promotionOrder(fleet.environments), [fleet.environments]);
  const indexed = useMemo(() => indexFleet(fleet.rows), [fleet.rows]);
  const counts = useMemo(() => countFleet(fleet.rows), [fleet.rows]);
  const rows = useMemo(() => filterFleet(indexed, deferred), [indexed, deferred]);
  const pools = useMemo(() => [...new Set(fleet.environments.flatMap((e) => e.pools))].sort(), [fleet.environments]);
  const errors = fleet.diagnostics.filter((d) => d.severity === 'error').length;

  return (
    <>
      <p className="fleet-summary">
        {plural(counts.models, 'model')}, {plural(counts.pipelines, 'pipeline')}; {counts.waiting} waiting for promotion
        {errors > 0 && <strong className="fleet-errors"> · {plural(errors, 'error')} in the working tree (listed below)</strong>}
      </p>
      <p className="fleet-gate">Promotion gate compares with {fleet.gate}.</p>
      <nav className="fleet-new" aria-label="New specs">
        {environments.map((env) => (
          <span key={env.name} className="fleet-new-env">
            {env.name}:{' '}
            <a href={`#/models/${env.name}/new`}>
              New model<span className="visually-hidden"> in {env.name}</span>
            </a>{' '}
            <a href={`#/pipelines/${env.name}/new`}>
              New pipeline<span className="visually-hidden"> in {env.name}</span>
            </a>
          </span>
        ))}
      </nav>
      <FleetFilters filter={filter} pools={pools} onChange={setFilter} />
      <p className="fleet-showing" aria-live="polite">
        {rows.length === fleet.rows.length ? `Showing all ${fleet.rows.length}` : `Showing ${rows.length} of ${fleet.rows.length}`}
      </p>
      {rows.length > 0 ? <FleetGrid rows={rows} environments={environments} /> : <p>Nothing matches the search and filters.</p>}
      <DiagnosticList diagnostics={fleet.diagnostics} title="Problems in the working tree" />
    </>
  );
}
