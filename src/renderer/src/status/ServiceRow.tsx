import { useMutation } from '@tanstack/react-query';
import type { ServiceStatus } from '../../../core/contracts/services';
import { useApi } from '../api/api-context';
import { describeLastExit, formatMemory, formatRelative, serviceLabel, stateLabel, stateTone } from './format';

interface ServiceRowProps {
  status: ServiceStatus;
  /** The link is down: the last known state may be wrong, so it is not shown as current. */
  stale: boolean;
  expanded: boolean;
  onToggle(): void;
  now: number;
}

export function ServiceRow({ status, stale, expanded, onToggle, now }: ServiceRowProps) {
  const api = useApi();
  const restart = useMutation({ mutationFn: () => api.restartService(status.name) });
  const tone = stale ? 'off' : stateTone(status.state);
  const exit = describeLastExit(status.lastExit, now);
  const detailsId = `service-details-${status.name}`;

  return (
    <li className={`service-row${expanded ? ' is-expanded' : ''}`} data-testid={`service-row-${status.name}`} data-state={stale ? 'unknown' : status.state}>
      <button type="button" className="service-summary" aria-expanded={expanded} aria-controls={detailsId} onClick={onToggle} title={exit ?? undefined}>
        <span className="service-name">{serviceLabel(status.name)}</span>
        <span className={`badge tone-${tone}`}>{stale ? 'Unknown' : stateLabel(status.state)}</span>
        <span className="num" title="Restarts">{status.restarts}</span>
        <span className="num">{formatMemory(status.memoryBytes)}</span>
        <span className="num muted">{status.pid ?? '—'}</span>
      </button>
      {expanded && (
        <div className="service-details" id={detailsId}>
          <dl>
            <dt>Runs as</dt>
            <dd>{status.runtime.replace('-', ' ')}</dd>
            {status.state === 'ready' && status.readyAt && (
              <>
                <dt>Ready since</dt>
                <dd>{formatRelative(status.readyAt, now)}</dd>
              </>
            )}
            <dt>Recent crashes</dt>
            <dd>{status.recentCrashes}</dd>
            <dt>Last exit</dt>
            <dd>{exit ?? 'None since the app started'}</dd>
            {status.nextRestartAt && (
              <>
                <dt>Next restart</dt>
                <dd>{formatRelative(status.nextRestartAt, now)}</dd>
              </>
            )}
            {status.circuitOpenUntil && (
              <>
                <dt>Next attempt</dt>
                <dd>{formatRelative(status.circuitOpenUntil, now)}</dd>
              </>
            )}
          </dl>
          <div className="service-actions">
            <button
              type="button"
              className="button"
              disabled={stale || restart.isPending || status.state === 'stopping'}
              onClick={() => restart.mutate()}
            >
              {restart.isPending ? 'Restarting…' : 'Restart'}
            </button>
            {restart.isError && <span className="error-text">{restart.error.message}</span>}
          </div>
        </div>
      )}
    </li>
  );
}
