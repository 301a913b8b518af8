/**
 * One pool's demand against its capacity, as an inline SVG bar chart: demand at minimum, at
 * minimum plus the largest rollout, and at maximum with rollout surge, and the pool's capacity as a
 * line across them. A bar past the line is drawn in the error colour and says "over" in text too.
 * The numbers are in the chart's title for screen readers.
 */
import type { PoolCapacity } from '../api/types.ts';
import { chartDescription } from './capacity-words.ts';

const WIDTH = 640;
const LABEL_WIDTH = 190;
const BAR_AREA = WIDTH - LABEL_WIDTH - 90;
const BAR_HEIGHT = 22;
const GAP = 10;
const TOP = 22;

export function PoolChart({ environment, pool }: { environment: string; pool: PoolCapacity }) {
  const bars = [
    { label: 'minimum', value: pool.min },
    { label: 'min + largest rollout', value: pool.minRollout },
    { label: 'maximum with surge', value: pool.max },
  ];
  const domain = Math.max(pool.capacity, pool.max, pool.minRollout, 1) * 1.1;
  const x = (value: number) => LABEL_WIDTH + (value / domain) * BAR_AREA;
  const height = TOP + bars.length * (BAR_HEIGHT + GAP) + 4;
  const description = chartDescription(environment, pool);
  const titleId = `capacity-chart-${environment}-${pool.pool}`;
  return (
    <svg className="capacity-chart" viewBox={`0 0 ${WIDTH} ${height}`} width={WIDTH} height={height} role="img" aria-labelledby={titleId}>
      <title id={titleId}>{description}</title>
      {bars.map((bar, i) => {
        const y = TOP + i * (BAR_HEIGHT + GAP);
        const over = bar.value > pool.capacity;
        return (
          <g key={bar.label} className={over ? 'capacity-bar over' : 'capacity-bar'}>
            <text x={LABEL_WIDTH - 8} y={y + BAR_HEIGHT / 2} textAnchor="end" dominantBaseline="middle">
              {bar.label}
            </text>
            <rect x={LABEL_WIDTH} y={y} width={Math.max(x(bar.value) - LABEL_WIDTH, 1)} height={BAR_HEIGHT} />
            <text className="capacity-value" x={x(bar.value) + 6} y={y + BAR_HEIGHT / 2} dominantBaseline="middle">
              {bar.value}
              {over ? ' — over' : ''}
            </text>
          </g>
        );
      })}
      <line className="capacity-line" x1={x(pool.capacity)} x2={x(pool.capacity)} y1={TOP - 6} y2={height} />
      <text className="capacity-line-label" x={x(pool.capacity)} y={TOP - 10} textAnchor="middle">
        capacity {pool.capacity}
      </text>
    </svg>
  );
}
