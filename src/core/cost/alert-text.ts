import { formatUsd } from '../money';
import type { BudgetAlert } from './spend-schemas';

/**
 * How a budget alert reads wherever it is shown: a toast in the page and a desktop notification
 * in Electron. Browser-safe and pure, so both use the same words.
 *
 *   budgetAlertNotice(alert) → { title, body, urgent }
 */

export interface BudgetAlertNotice {
  title: string;
  body: string;
  /** 100%: paid sources have stopped; the notice should stay until someone reads it. */
  urgent: boolean;
}

const POOL_TITLES = { daily: 'Daily data budget', emergency: 'Emergency data budget' } as const;

export function budgetAlertNotice(alert: Pick<BudgetAlert, 'pool' | 'thresholdPercent' | 'spentMicros' | 'limitMicros' | 'day'>): BudgetAlertNotice {
  const pool = POOL_TITLES[alert.pool];
  const spent = `${formatUsd(alert.spentMicros)} of ${formatUsd(alert.limitMicros)} spent today.`;
  if (alert.thresholdPercent < 100) {
    return {
      title: `${pool}: ${alert.thresholdPercent}% used`,
      body: `${spent} Paid imagery and data keep running until the budget is used up.`,
      urgent: false,
    };
  }
  return {
    title: `${pool} used up`,
    body:
      alert.pool === 'daily'
        ? `${spent} Paid sources are paused until tomorrow; free sources and the cache keep working. A manager can open the emergency budget.`
        : `${spent} No paid source runs again until tomorrow; free sources and the cache keep working.`,
    urgent: true,
  };
}
