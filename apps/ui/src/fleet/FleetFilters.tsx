/** The fleet's search box and filters: each control labelled, each change a new `FleetFilter`. */
import type { FleetFilter, KindFilter } from './fleet-view.ts';

interface Props {
  readonly filter: FleetFilter;
  readonly pools: readonly string[];
  readonly onChange: (filter: FleetFilter) => void;
}

export function FleetFilters({ filter, pools, onChange }: Props) {
  const set = <K extends keyof FleetFilter>(key: K, value: FleetFilter[K]) => onChange({ ...filter, [key]: value });
  return (
    <div className="fleet-filters" role="search" aria-label="Filter the fleet">
      <label>
        Search
        <input
          type="search"
          value={filter.search}
          placeholder="name, release or pool"
          aria-describedby="fleet-search-help"
          onChange={(event) => set('search', event.target.value)}
        />
      </label>
      <span id="fleet-search-help" className="visually-hidden">
        Shows the models and pipelines whose name, release or pool contains the text
      </span>
      <label>
        Kind
        <select value={filter.kind} onChange={(event) => set('kind', event.target.value as KindFilter)}>
          <option value="all">models and pipelines</option>
          <option value="model">models</option>
          <option value="pipeline">pipelines</option>
        </select>
      </label>
      <label>
        Pool
        <select value={filter.pool} onChange={(event) => set('pool', event.target.value)}>
          <option value="">any pool</option>
          {pools.map((pool) => (
            <option key={pool} value={pool}>
              {pool}
            </option>
          ))}
        </select>
      </label>
      <label className="fleet-check">
        <input type="checkbox" checked={filter.waiting} onChange={(event) => set('waiting', event.target.checked)} /> only waiting for promotion
      </label>
      <label className="fleet-check">
        <input type="checkbox" checked={filter.canary} onChange={(event) => set('canary', event.target.checked)} /> only with a canary
      </label>
      <label className="fleet-check">
        <input type="checkbox" checked={filter.override} onChange={(event) => set('override', event.target.checked)} /> only overrides
      </label>
    </div>
  );
}
