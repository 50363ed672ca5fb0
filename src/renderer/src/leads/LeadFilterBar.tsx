import { useEffect, useState } from 'react';
import { LEAD_STATUSES } from '../../../core/leads/types';
import { activeFilterCount, toggleStatus } from './lead-filters';
import { STATUS_LABELS } from './leads-view';
import { useLeadsUiStore } from './leads-ui-store';

/** How long the score slider rests before the list is asked again. */
const SLIDER_SETTLE_MS = 250;

/**
 * The leads card's filters: minimum score, statuses, hail since a day, minimum roof age and the rep
 * a lead is assigned to. Each change starts the list from its first page.
 */
export function LeadFilterBar({ error }: { error: string | null }) {
  const filters = useLeadsUiStore((s) => s.filters);
  const setFilters = useLeadsUiStore((s) => s.setFilters);
  const clearFilters = useLeadsUiStore((s) => s.clearFilters);
  // Note: the slider moves at once; the list follows once it rests, not on every step.
  const [score, setScore] = useState(filters.minScore);
  useEffect(() => setScore(filters.minScore), [filters.minScore]);
  useEffect(() => {
    if (score === filters.minScore) return;
    const timer = setTimeout(() => setFilters({ minScore: score }), SLIDER_SETTLE_MS);
    return () => clearTimeout(timer);
  }, [score, filters.minScore, setFilters]);

  const active = activeFilterCount(filters);
  return (
    <div className="leads-filters" data-testid="leads-filters">
      <label className="leads-score-filter small">
        <span>Score at least</span>
        <input
          type="range"
          min={0}
          max={100}
          step={5}
          value={score}
          onChange={(event) => setScore(Number(event.target.value))}
          aria-label="Minimum score"
          data-testid="leads-min-score"
        />
        <span className="num leads-score-value">{score}</span>
      </label>
      <div className="leads-chips" role="group" aria-label="Statuses">
        {LEAD_STATUSES.map((status) => {
          const on = filters.statuses.includes(status);
          return (
            <button
              key={status}
              type="button"
              className={`leads-chip${on ? ' is-on' : ''}`}
              aria-pressed={on}
              onClick={() => setFilters({ statuses: toggleStatus(filters.statuses, status) })}
            >
              {STATUS_LABELS[status]}
            </button>
          );
        })}
      </div>
      <div className="leads-filter-row">
        <label className="small">
          <span>Hail since</span>
          <input type="date" value={filters.hailSince} onChange={(event) => setFilters({ hailSince: event.target.value })} aria-label="Hail since" />
        </label>
        <label className="small">
          <span>Roof age ≥</span>
          <input
            type="number"
            min={0}
            max={200}
            inputMode="numeric"
            value={filters.minRoofAge}
            onChange={(event) => setFilters({ minRoofAge: event.target.value })}
            placeholder="years"
            aria-label="Minimum roof age in years"
          />
        </label>
        <label className="small">
          <span>Assigned to</span>
          <input
            type="text"
            value={filters.assignedTo}
            onChange={(event) => setFilters({ assignedTo: event.target.value })}
            placeholder="anyone"
            maxLength={200}
            aria-label="Assigned to"
          />
        </label>
      </div>
      {(active > 0 || error) && (
        <div className="leads-filter-foot small">
          {error ? (
            <span className="error-text" role="alert">
              {error}
            </span>
          ) : (
            <span className="muted">
              {active} {active === 1 ? 'filter' : 'filters'} on
            </span>
          )}
          <button type="button" className="link-button" onClick={clearFilters}>
            Clear filters
          </button>
        </div>
      )}
    </div>
  );
}
