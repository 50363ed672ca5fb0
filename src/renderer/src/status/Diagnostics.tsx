import type { FishMouthApi } from '../../../core/contracts/api';
import { useApi } from '../api/api-context';
import { useUiStore } from '../ui-store';
import { formatRoundTrip, progressFraction, serviceLabel } from './format';

function newRequestId(): string {
  return globalThis.crypto?.randomUUID?.() ?? `diag-${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

/** Runs the round-trip check and records its course in the UI store. */
async function runCheck(api: FishMouthApi): Promise<void> {
  const store = useUiStore.getState();
  const requestId = newRequestId();
  store.setDiagnostics({ phase: 'running', requestId, progress: null, cancelling: false });
  try {
    const result = await api.runDiagnostics({
      requestId,
      onProgress: (progress) => useUiStore.getState().updateRunningDiagnostics(requestId, (run) => ({ ...run, progress })),
    });
    useUiStore.getState().updateRunningDiagnostics(requestId, () => ({ phase: 'done', result, finishedAt: Date.now() }));
  } catch (error) {
    // Errors that crossed Electron's contextBridge lose their kind, so a cancel is recognised by
    // having asked for it.
    useUiStore
      .getState()
      .updateRunningDiagnostics(requestId, (run) =>
        run.cancelling ? { phase: 'cancelled' } : { phase: 'failed', message: (error as Error).message },
      );
  }
}

export function Diagnostics({ linkUp }: { linkUp: boolean }) {
  const api = useApi();
  const run = useUiStore((s) => s.diagnostics);
  const updateRunning = useUiStore((s) => s.updateRunningDiagnostics);

  const cancel = () => {
    if (run.phase !== 'running') return;
    updateRunning(run.requestId, (r) => ({ ...r, cancelling: true }));
    api.cancel(run.requestId);
  };

  const fraction = run.phase === 'running' ? progressFraction(run.progress) : null;

  return (
    <section className="diagnostics" aria-label="Round-trip check">
      <div className="section-head">
        <div>
          <h2>Round-trip check</h2>
          <p className="muted small">Pings every service over its own link and database connection.</p>
        </div>
        {run.phase === 'running' ? (
          <button type="button" className="button" onClick={cancel} disabled={run.cancelling}>
            {run.cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        ) : (
          <button type="button" className="button primary" onClick={() => void runCheck(api)} disabled={!linkUp}>
            Run check
          </button>
        )}
      </div>

      {run.phase === 'running' && (
        <div className="progress" data-testid="diagnostics-progress">
          <div
            className={`progress-track${fraction === null ? ' indeterminate' : ''}`}
            role="progressbar"
            aria-valuemin={0}
            aria-valuemax={run.progress?.total ?? undefined}
            aria-valuenow={fraction === null ? undefined : run.progress?.done}
          >
            <div className="progress-fill" style={{ width: fraction === null ? undefined : `${Math.round(fraction * 100)}%` }} />
          </div>
          <div className="progress-label small muted">
            {run.progress?.total ? `${run.progress.done} / ${run.progress.total}` : 'Starting…'}
            {run.progress?.stage ? ` · ${run.progress.stage}` : ''}
            {run.progress?.message ? ` · ${run.progress.message}` : ''}
          </div>
        </div>
      )}

      {run.phase === 'cancelled' && <p className="small muted">Check cancelled.</p>}
      {run.phase === 'failed' && (
        <p className="small error-text" role="alert">
          {run.message}
        </p>
      )}
      {run.phase === 'done' && (
        <ul className="check-results" data-testid="diagnostics-results" data-ok={run.result.ok}>
          {run.result.checks.map((check) => (
            <li key={check.service} className={check.ok ? 'ok' : 'failed'} title={check.message}>
              <span className={`dot tone-${check.ok ? 'ok' : 'failed'}`} aria-hidden="true" />
              <span className="service-name">{serviceLabel(check.service)}</span>
              <span className="num">{check.ok ? formatRoundTrip(check.roundTripMs) : 'failed'}</span>
              {!check.ok && <span className="check-message small">{check.message}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
