import { useState, type FormEvent } from 'react';
import type { LeadFilters } from '../../../core/contracts/leads-contract';
import { useMapHandle } from '../scan/map-handle';
import { currentPosition } from './device';
import { useLeadsUiStore } from './leads-ui-store';
import { routeSummary } from './route-view';
import { fitRoute, mapCentre } from './use-leads-map';
import { usePlanRoute } from './use-leads';

const DEFAULT_STOPS = 15;
const MAX_STOPS = 500;

/**
 * "Plan walk route": the best N leads under the current filters, in the shortest walking order
 * from the map's centre or the rep's position; drawn on the map with numbered stops, with the
 * distance, the time at a walking pace and what the order saves over nearest-door-first.
 */
export function RoutePlanner({ filters }: { filters: LeadFilters | null }) {
  const map = useMapHandle((s) => s.map);
  const planned = useLeadsUiStore((s) => s.route);
  const setRoute = useLeadsUiStore((s) => s.setRoute);
  const select = useLeadsUiStore((s) => s.select);
  const plan = usePlanRoute();
  const [stops, setStops] = useState(String(DEFAULT_STOPS));
  const [start, setStart] = useState<'centre' | 'position'>('centre');
  const [notice, setNotice] = useState<string | null>(null);
  const [locating, setLocating] = useState(false);

  const top = Number(stops);
  const validStops = Number.isInteger(top) && top >= 1 && top <= MAX_STOPS;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!map || !filters || !validStops) return;
    setNotice(null);
    const cardOpen = !useLeadsUiStore.getState().collapsed;
    let from = mapCentre(map, cardOpen);
    let fromLabel: 'map centre' | 'your position' = 'map centre';
    if (start === 'position') {
      setLocating(true);
      const found = await currentPosition();
      setLocating(false);
      if (found.ok) {
        from = found.position;
        fromLabel = 'your position';
      } else {
        setNotice(`Starting from the map centre: ${found.reason}.`);
      }
    }
    plan.mutate(
      { from, top, filters },
      {
        onSuccess: (route) => {
          if (route.stops.length === 0) {
            setRoute(null);
            setNotice('No leads under these filters to walk to.');
            return;
          }
          const next = { from, fromLabel, route };
          setRoute(next);
          fitRoute(map, next, cardOpen);
        },
        onError: (error) => setNotice(`The route could not be planned: ${error.message}`),
      },
    );
  };

  const summary = planned ? routeSummary(planned.route) : null;
  return (
    <div className="leads-route" data-testid="leads-route">
      <form className="leads-route-form" onSubmit={(event) => void submit(event)}>
        <label className="small">
          <span>Stops</span>
          <input
            type="number"
            min={1}
            max={MAX_STOPS}
            value={stops}
            onChange={(event) => setStops(event.target.value)}
            aria-label="Number of stops"
            aria-invalid={!validStops}
            data-testid="route-stops"
          />
        </label>
        <label className="small">
          <span>From</span>
          <select value={start} onChange={(event) => setStart(event.target.value as 'centre' | 'position')} aria-label="Start the route from">
            <option value="centre">map centre</option>
            <option value="position">my position</option>
          </select>
        </label>
        <button type="submit" className="button primary" disabled={!map || !filters || !validStops || plan.isPending || locating} data-testid="plan-route">
          {locating ? 'Locating…' : plan.isPending ? 'Planning…' : 'Plan walk route'}
        </button>
      </form>
      {!validStops && <p className="small error-text">Stops: a whole number from 1 to {MAX_STOPS}.</p>}
      {notice && (
        <p className="small error-text" role="alert">
          {notice}
        </p>
      )}
      {planned && summary && (
        <div className="leads-route-summary" data-testid="route-summary">
          <div className="leads-route-head">
            <strong className="small" data-testid="route-distance">
              {summary.headline}
            </strong>
            <button type="button" className="link-button small" onClick={() => setRoute(null)}>
              Clear route
            </button>
          </div>
          <p className="small muted">
            From the {planned.fromLabel}. {summary.saving}
          </p>
          <ol className="leads-route-stops small">
            {planned.route.stops.map((stop) => (
              <li key={stop.leadId}>
                <button type="button" className="link-button" onClick={() => select({ id: stop.leadId, address: stop.address })}>
                  {stop.address}
                </button>
                <span className="muted num"> {stop.score}</span>
              </li>
            ))}
          </ol>
        </div>
      )}
    </div>
  );
}
