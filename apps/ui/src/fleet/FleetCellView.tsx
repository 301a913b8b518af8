/**
 * One model or pipeline in one environment: its release (a link to its page there), canary,
 * scale, pool, auth, promotion state and override. Plain text and spans only, derived straight
 * from the cell: a screenful of rows renders many of these, on every scroll.
 */
import type { FleetCell, SpecKind } from '../api/types.ts';
import { canaryTraffic, promoteCommand, scaleLabel, specHash } from './fleet-view.ts';

interface Props {
  readonly kind: SpecKind;
  readonly name: string;
  readonly env: string;
  readonly cell: FleetCell | undefined;
}

export function FleetCellView({ kind, name, env, cell }: Props) {
  if (!cell)
    return (
      <div role="cell" className="fleet-cell fleet-absent">
        <span aria-hidden="true">—</span>
        <span className="visually-hidden">not in {env}</span>
      </div>
    );
  const { canary, promotion } = cell;
  return (
    <div role="cell" className="fleet-cell">
      <a className="fleet-release" href={specHash(kind, env, name)} title={`${cell.release} — open ${name} in ${env} (${cell.file})`}>
        {cell.release}
      </a>
      {canary && (
        <div className="fleet-canary" title={`canary ${canary.release}`}>
          <span className="fleet-tag">canary</span> {canaryTraffic(canary)}
          {!canary.analysis && <span className="fleet-muted"> → {canary.release}</span>}
        </div>
      )}
      <div className="fleet-muted">
        {scaleLabel(cell.scale)}
        {cell.pool && ` · pool ${cell.pool} × ${cell.gpus ?? 1}`}
        {` · auth ${cell.auth}`}
      </div>
      {promotion.state === 'waiting' && (
        <div className="fleet-waiting">
          <span className="fleet-tag fleet-tag-waiting">waiting</span> {promotion.from} runs {promotion.release}
          {promotion.unmerged ? (
            <span className="fleet-muted">
              {' '}
              only in the working tree: merge the {promotion.from} change first (the promotion gate compares with the base branch)
            </span>
          ) : (
            <code className="fleet-command">{promoteCommand(name, promotion.from, env)}</code>
          )}
        </div>
      )}
      {promotion.state === 'not-in-source' && (
        <div className="fleet-muted">
          <span className="fleet-tag">not in {promotion.from}</span>
        </div>
      )}
      {cell.override && (
        <div className="fleet-override" title={`promotion override: ${cell.override}`}>
          <span className="fleet-tag fleet-tag-override">⚑ override</span> {cell.override}
        </div>
      )}
    </div>
  );
}
