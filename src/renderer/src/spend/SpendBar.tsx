import { barGeometry, usd, utilisationTone } from './format';

const TICKS = [50, 80] as const;

interface SpendBarProps {
  committed: number;
  reserved: number;
  limit: number;
  /** What the bar measures, for screen readers: "Daily budget". */
  label: string;
  size?: 'large' | 'small';
}

/**
 * Spent (solid) and reserved for calls in flight (striped) against a limit, with the 50% and 80%
 * alert thresholds marked on the track; its right end is 100%.
 */
export function SpendBar({ committed, reserved, limit, label, size = 'large' }: SpendBarProps) {
  const bar = barGeometry(committed, reserved, limit);
  const tone = utilisationTone(committed, limit);
  return (
    <div
      className={`spend-bar spend-bar-${size}${bar.over ? ' is-over' : ''}`}
      role="meter"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={limit}
      aria-valuenow={Math.min(committed, limit)}
      aria-valuetext={`${usd(committed)} spent and ${usd(reserved)} reserved of ${usd(limit)}`}
    >
      <div className="spend-track">
        <div className={`spend-fill tone-${tone}`} style={{ width: `${bar.committed}%` }} />
        {bar.reserved > 0 && <div className="spend-reserved" style={{ left: `${bar.committed}%`, width: `${bar.reserved}%` }} />}
        {size === 'large' && TICKS.map((tick) => <span key={tick} className="spend-tick" style={{ left: `${tick}%` }} aria-hidden="true" />)}
      </div>
      {size === 'large' && (
        <div className="spend-tick-labels" aria-hidden="true">
          {TICKS.map((tick) => (
            <span key={tick} style={{ left: `${tick}%` }}>
              {tick}%
            </span>
          ))}
          <span style={{ left: '100%' }}>100%</span>
        </div>
      )}
    </div>
  );
}
