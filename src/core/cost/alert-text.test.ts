import { describe, expect, it } from 'vitest';
import type { Micros } from '../money';
import { budgetAlertNotice } from './alert-text';

const alert = (pool: 'daily' | 'emergency', thresholdPercent: 50 | 80 | 100, spent: number, limit: number) => ({
  pool,
  thresholdPercent,
  spentMicros: spent as Micros,
  limitMicros: limit as Micros,
  day: '2025-06-02',
});

describe('budgetAlertNotice', () => {
  it('says how much of which budget is used, and that paid work goes on below 100%', () => {
    expect(budgetAlertNotice(alert('daily', 50, 600_000, 1_000_000))).toEqual({
      title: 'Daily data budget: 50% used',
      body: '$0.60 of $1.00 spent today. Paid imagery and data keep running until the budget is used up.',
      urgent: false,
    });
    expect(budgetAlertNotice(alert('emergency', 80, 40_000_000, 50_000_000)).title).toBe('Emergency data budget: 80% used');
  });

  it('at 100% says paid sources stopped, what still works, and what a manager can do', () => {
    const daily = budgetAlertNotice(alert('daily', 100, 10_000_000, 10_000_000));
    expect(daily.title).toBe('Daily data budget used up');
    expect(daily.body).toBe(
      '$10.00 of $10.00 spent today. Paid sources are paused until tomorrow; free sources and the cache keep working. A manager can open the emergency budget.',
    );
    expect(daily.urgent).toBe(true);
    expect(budgetAlertNotice(alert('emergency', 100, 50_000_000, 50_000_000)).body).toMatch(/No paid source runs again until tomorrow/);
  });
});
