import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import type { BudgetStatus } from '../../../core/cost/budget-schemas';
import { useApi } from '../api/api-context';
import { clockTime, usd } from './format';
import { SpendBar } from './SpendBar';
import { budgetStatusKey, spendTodayKey } from './use-spend';

const MIN_REASON = 3;

/**
 * Today's emergency budget: closed (with the manager's button to open it, after a confirmation
 * that asks why), or open with its own bar and who opened it.
 */
export function EmergencyBudget({ status }: { status: BudgetStatus }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const reasonId = useId();
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const emergency = status.emergency;
  const open = useMutation({
    mutationFn: (text: string) => api.openEmergencyBudget(text),
    onSuccess: () => {
      setConfirming(false);
      setReason('');
      // The orchestrator pushes the new figures too; asking at once avoids a stale moment.
      void queryClient.invalidateQueries({ queryKey: budgetStatusKey });
      void queryClient.invalidateQueries({ queryKey: spendTodayKey });
    },
    onError: (error) => setProblem(error.message),
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (reason.trim().length < MIN_REASON) return setProblem('Say why the emergency budget is needed (at least 3 characters).');
    setProblem(null);
    open.mutate(reason.trim());
  };

  if (emergency.open) {
    return (
      <section className="spend-section spend-emergency is-open" aria-label="Emergency budget" data-testid="emergency-budget" data-state="open">
        <div className="spend-section-head">
          <h3>Emergency budget</h3>
          <span className="badge tone-pending">Open today</span>
        </div>
        <SpendBar committed={emergency.committedMicros} reserved={emergency.reservedMicros} limit={emergency.limitMicros} label="Emergency budget" size="small" />
        <p className="small">
          {usd(emergency.committedMicros)} of {usd(emergency.limitMicros)} used
          {emergency.openedBy && (
            <span className="muted">
              {' '}
              · opened by {emergency.openedBy}
              {emergency.openedAt ? ` at ${clockTime(emergency.openedAt)}` : ''}
            </span>
          )}
        </p>
        {emergency.reason && <p className="small muted spend-reason">“{emergency.reason}”</p>}
      </section>
    );
  }

  return (
    <section className="spend-section spend-emergency" aria-label="Emergency budget" data-testid="emergency-budget" data-state="closed">
      <div className="spend-section-head">
        <h3>Emergency budget</h3>
        <span className="badge tone-off">Closed</span>
      </div>
      <p className="small muted">
        {usd(emergency.configuredMicros)} on standby for today, usable only once a manager opens it.
      </p>
      {confirming ? (
        <form className="spend-confirm" onSubmit={submit} noValidate>
          <label htmlFor={reasonId} className="small">
            Why is it needed? <span className="muted">Opening it is a manager action, recorded in the audit log.</span>
          </label>
          <textarea
            id={reasonId}
            value={reason}
            onChange={(event) => setReason(event.target.value)}
            rows={2}
            maxLength={1000}
            placeholder="e.g. Hail in Plano last night; imagery for 3 territories"
            aria-invalid={problem !== null}
            autoFocus
          />
          {problem && (
            <p className="small error-text" role="alert">
              {problem}
            </p>
          )}
          <div className="spend-actions">
            <button type="submit" className="button spend-danger" disabled={open.isPending}>
              {open.isPending ? 'Opening…' : `Open ${usd(emergency.configuredMicros)} for today`}
            </button>
            <button
              type="button"
              className="button"
              onClick={() => {
                setConfirming(false);
                setProblem(null);
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <button type="button" className="button" onClick={() => setConfirming(true)} data-testid="open-emergency">
          Open emergency budget…
        </button>
      )}
    </section>
  );
}
