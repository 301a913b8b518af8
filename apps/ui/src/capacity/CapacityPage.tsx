/**
 * `#/capacity`: `tritonops capacity` drawn (GET /api/capacity): per environment and GPU pool, the
 * demand at minimum, with the largest rollout, and at maximum against what the pool holds, in
 * the pool's own units; pools that do not fit, or fill up at maximum, stand out by icon, words and
 * colour. Within an environment the fullest pool comes first, with its use at maximum in its
 * heading, so the pool nearest its limit is the first one read. The CLI's table follows, byte for
 * byte.
 */
import { useEffect, useState } from 'react';
import { ApiFailure, get } from '../api/client.ts';
import type { CapacityResponse, EnvironmentCapacity, PoolCapacity } from '../api/types.ts';
import { ErrorNote } from '../shell/Diagnostics.tsx';
import { plural } from '../shell/plural.ts';
import { PoolChart } from './PoolChart.tsx';
import { fullestFirst, SEVERITY_WORD, severityOf, STATUS_ICON, statusSentence, unitKind, usageText } from './capacity-words.ts';

/** More tracks than this on a pool and its demand table starts folded: a large fleet lists thousands. */
export const OPEN_TRACKS_MAX = 20;

export function CapacityPage() {
  const [capacity, setCapacity] = useState<CapacityResponse>();
  const [failure, setFailure] = useState<{ message: string; hint?: string }>();

  useEffect(() => {
    get<CapacityResponse>('/api/capacity').then(setCapacity, (error: unknown) =>
      setFailure({ message: (error as Error).message, ...(error instanceof ApiFailure && error.hint ? { hint: error.hint } : {}) }),
    );
  }, []);

  return (
    <div className="capacity-page">
      <h1>Capacity</h1>
      <p className="capacity-intro">
        GPU demand of every model and track against what each pool can hold (<code>maxNodes × gpusPerNode</code>), counted in the pool&apos;s resource: whole
        GPUs, MIG slices or time-sliced shares. The maximum includes one surge replica per rolling Deployment.
      </p>
      {failure && <ErrorNote message={failure.message} hint={failure.hint} />}
      {!capacity && !failure && <p role="status">Planning capacity…</p>}
      {capacity?.unavailable && <ErrorNote message={capacity.unavailable} hint="the Fleet page lists the problems" />}
      {capacity?.environments.map((env) => (
        <EnvironmentView key={env.environment} env={env} />
      ))}
      {capacity && !capacity.unavailable && (
        <details className="capacity-table">
          <summary>
            Same as <code>tritonops capacity</code>
          </summary>
          <pre>{capacity.table}</pre>
        </details>
      )}
    </div>
  );
}

function EnvironmentView({ env }: { env: EnvironmentCapacity }) {
  return (
    <section aria-labelledby={`capacity-${env.environment}`}>
      <h2 id={`capacity-${env.environment}`}>Environment {env.environment}</h2>
      {env.pools.length === 0 && <p>No GPU pools.</p>}
      {fullestFirst(env.pools).map((pool) => (
        <PoolView key={pool.pool} environment={env.environment} pool={pool} />
      ))}
    </section>
  );
}

function PoolView({ environment, pool }: { environment: string; pool: PoolCapacity }) {
  const severity = severityOf(pool);
  const headingId = `capacity-${environment}-${pool.pool}-heading`;
  return (
    <section className={`capacity-pool capacity-${severity}`} aria-labelledby={headingId}>
      <h3 id={headingId}>
        Pool {pool.pool}{' '}
        <span className={`capacity-status capacity-status-${severity}`}>
          <span aria-hidden="true">{STATUS_ICON[severity]}</span> {SEVERITY_WORD[severity]}
          {(severity === 'warning' || severity === 'error') && `: ${pool.status}`}
        </span>{' '}
        <span className="capacity-use">{usageText(pool)}</span>
      </h3>
      <p className="capacity-status-text">{statusSentence(pool)}.</p>
      <p className="capacity-units">
        Units: <code>{pool.resource}</code> ({unitKind(pool.resource)}) — {plural(pool.nodes, 'node')} × {pool.unitsPerNode} = {plural(pool.capacity, 'unit')},{' '}
        {pool.unitMemory} per unit; GPU memory {pool.memoryCapacity} in the pool, {pool.maxMemoryDeclared} declared at maximum.
      </p>
      <PoolChart environment={environment} pool={pool} />
      {pool.demands.length > OPEN_TRACKS_MAX ? <FoldedDemands environment={environment} pool={pool} /> : <DemandTable environment={environment} pool={pool} />}
    </section>
  );
}

/** The demand table of a pool with many tracks, folded; its rows reach the DOM once it is opened. */
function FoldedDemands({ environment, pool }: { environment: string; pool: PoolCapacity }) {
  const [opened, setOpened] = useState(false);
  return (
    <details className="capacity-demands-fold" onToggle={(e) => e.currentTarget.open && setOpened(true)}>
      <summary>{plural(pool.demands.length, 'track')}</summary>
      {opened && <DemandTable environment={environment} pool={pool} />}
    </details>
  );
}

function DemandTable({ environment, pool }: { environment: string; pool: PoolCapacity }) {
  return (
    <table className="capacity-demands">
      <caption className="visually-hidden">
        Track demands on pool {pool.pool} of {environment}, in {pool.resource}
      </caption>
      <thead>
        <tr>
          <th scope="col">Model</th>
          <th scope="col">Track</th>
          <th scope="col">Units per replica</th>
          <th scope="col">Memory per replica</th>
          <th scope="col">Min replicas</th>
          <th scope="col">Max replicas</th>
          <th scope="col">Units at min</th>
          <th scope="col">Units at max</th>
          <th scope="col">Surge</th>
        </tr>
      </thead>
      <tbody>
        {pool.demands.map((d) => (
          <tr key={`${d.model}/${d.track}`}>
            <th scope="row">{d.model}</th>
            <td>{d.track}</td>
            <td>{d.gpusPerReplica}</td>
            <td>{d.gpuMemoryPerReplica ?? '—'}</td>
            <td>{d.minReplicas}</td>
            <td>{d.maxReplicas}</td>
            <td>{d.min}</td>
            <td>{d.max}</td>
            <td>+{d.surge}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
