import { useEffect } from 'react';
import { budgetAlertNotice } from '../../../core/cost/alert-text';
import { useSpendUiStore, type AlertToast } from './spend-ui-store';
import './spend.css';

/** A 50% or 80% alert fades after this long; a used-up budget stays until dismissed. */
const TOAST_MS = 15_000;

/** Budget alerts as they arrive, above the map. They also stay listed in the spend panel. */
export function BudgetToasts() {
  const toasts = useSpendUiStore((s) => s.toasts);
  if (toasts.length === 0) return null;
  return (
    <div className="budget-toasts" role="region" aria-label="Budget alerts" aria-live="assertive">
      {toasts.map((toast) => (
        <Toast key={toast.id} toast={toast} />
      ))}
    </div>
  );
}

function Toast({ toast }: { toast: AlertToast }) {
  const dismiss = useSpendUiStore((s) => s.dismissToast);
  const notice = budgetAlertNotice(toast.alert);
  useEffect(() => {
    if (notice.urgent) return;
    const timer = setTimeout(() => dismiss(toast.id), TOAST_MS);
    return () => clearTimeout(timer);
  }, [dismiss, notice.urgent, toast.id]);

  return (
    <div
      className={`budget-toast tone-${notice.urgent ? 'failed' : 'pending'}`}
      role="alert"
      data-testid="budget-alert"
      data-pool={toast.alert.pool}
      data-threshold={toast.alert.thresholdPercent}
    >
      <svg className="budget-toast-icon" viewBox="0 0 16 16" aria-hidden="true">
        <path d="M8 1.8l6.6 11.7H1.4z" />
        <path d="M8 6.2v3.6M8 11.6v.1" />
      </svg>
      <div className="budget-toast-text">
        <strong>{notice.title}</strong>
        <p className="small">{notice.body}</p>
      </div>
      <button type="button" className="icon-button" onClick={() => dismiss(toast.id)} aria-label="Dismiss alert" title="Dismiss">
        <svg viewBox="0 0 16 16" aria-hidden="true" className="chevron">
          <path d="M4 4l8 8M12 4l-8 8" />
        </svg>
      </button>
    </div>
  );
}
