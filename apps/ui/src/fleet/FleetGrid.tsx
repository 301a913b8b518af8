/**
 * The fleet matrix: one row per model or pipeline, one column per environment. A fleet of 1000
 * models would be 4000 cells; only the rows near the viewport are in the DOM (@tanstack/react-virtual),
 * each measured once it shows (cells wrap, so rows differ in height). ARIA table roles with
 * `aria-rowcount`/`aria-rowindex` tell a screen reader where a row sits in the whole fleet,
 * not in the few rows present.
 */
import { memo, useRef } from 'react';
import { measureElement, observeElementRect, useVirtualizer, type Virtualizer } from '@tanstack/react-virtual';
import type { EnvironmentSummary, FleetRow } from '../api/types.ts';
import { FleetCellView } from './FleetCellView.tsx';
import { specHash } from './fleet-view.ts';

/** A row of three short lines; rows are measured once they show. */
const ROW_ESTIMATE = 88;
/**
 * The viewport assumed while the browser has not laid the grid out (or cannot: jsdom): a
 * screenful, so the first render already holds the first rows rather than none or all.
 */
const UNMEASURED_VIEWPORT = { width: 1200, height: 640 };

type Grid = Virtualizer<HTMLDivElement, HTMLDivElement>;

const observeViewport: typeof observeElementRect<HTMLDivElement> = (instance, report) =>
  observeElementRect(instance, (rect) => report(rect.height > 0 ? rect : UNMEASURED_VIEWPORT));

const measureRow: typeof measureElement<HTMLDivElement> = (element, entry, instance) => {
  const size = measureElement(element, entry, instance);
  return size > 0 ? size : ROW_ESTIMATE;
};

interface Props {
  readonly rows: readonly FleetRow[];
  /** In promotion order. */
  readonly environments: readonly EnvironmentSummary[];
}

export function FleetGrid({ rows, environments }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  // The React Compiler leaves this component alone (the virtualiser's functions change under it):
  // the rows are memoised by hand (FleetRowView), and the grid itself is meant to render on scroll.
  // eslint-disable-next-line react-hooks/incompatible-library
  const grid: Grid = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    getItemKey: (index) => `${rows[index]!.kind}/${rows[index]!.name}`,
    estimateSize: () => ROW_ESTIMATE,
    overscan: 8,
    initialRect: UNMEASURED_VIEWPORT,
    observeElementRect: observeViewport,
    measureElement: measureRow,
  });
  const columns = `minmax(11rem, 1fr) repeat(${environments.length}, minmax(16rem, 2fr))`;

  return (
    // Focusable so the keyboard can scroll it; its links are reachable with Tab as well.
    <div ref={scrollRef} className="fleet-scroll" tabIndex={0} role="region" aria-label="Fleet table, scrolls">
      <div
        role="table"
        aria-label="Fleet"
        aria-rowcount={rows.length + 1}
        aria-colcount={environments.length + 1}
        className="fleet-table"
        style={{ minWidth: `${11 + 16 * environments.length}rem` }}
      >
        <div role="rowgroup" className="fleet-head">
          <div role="row" aria-rowindex={1} className="fleet-row" style={{ gridTemplateColumns: columns }}>
            <div role="columnheader" className="fleet-cell">
              Name
            </div>
            {environments.map((env) => (
              <div role="columnheader" key={env.name} className="fleet-cell">
                {env.name}
                <span className="fleet-muted fleet-env-note">
                  {env.promotedFrom ? ` ← ${env.promotedFrom}` : ''}
                  {env.production ? ' · production' : ''}
                </span>
              </div>
            ))}
          </div>
        </div>
        <div role="rowgroup" className="fleet-body" style={{ height: grid.getTotalSize() }}>
          {grid.getVirtualItems().map((item) => (
            <FleetRowView
              key={item.key}
              row={rows[item.index]!}
              index={item.index}
              start={item.start}
              columns={columns}
              environments={environments}
              measure={grid.measureElement}
            />
          ))}
        </div>
      </div>
    </div>
  );
}

interface RowProps {
  readonly row: FleetRow;
  readonly index: number;
  readonly start: number;
  readonly columns: string;
  readonly environments: readonly EnvironmentSummary[];
  readonly measure: (element: HTMLDivElement | null) => void;
}

/** Re-rendered only when its row, place or columns change: scrolling moves rows, it does not rebuild them. */
const FleetRowView = memo(function FleetRowView({ row, index, start, columns, environments, measure }: RowProps) {
  const home = environments.find((env) => row.cells[env.name]);
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      data-index={index}
      ref={measure}
      className="fleet-row"
      style={{ gridTemplateColumns: columns, transform: `translateY(${start}px)` }}
    >
      <div role="rowheader" className="fleet-cell fleet-name">
        {home ? <a href={specHash(row.kind, home.name, row.name)}>{row.name}</a> : row.name}
        <span className="fleet-kind"> {row.kind}</span>
      </div>
      {environments.map((env) => (
        <FleetCellView key={env.name} kind={row.kind} name={row.name} env={env.name} cell={row.cells[env.name]} />
      ))}
    </div>
  );
});
