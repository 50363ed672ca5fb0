import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, writeTransaction, type Db } from '../store';
import { costTestDb, imageryCall, usd } from './cost.testkit';
import { updateBudgetSettings } from './budget-settings';
import { readDayUsage } from './budget-usage';
import { appendLedgerCorrection } from './ledger';
import { commitReservation, reserveBudget } from './reservations';

let db: Db;
let other: Db;
let cleanup: () => void;
beforeEach(() => {
  let dir: string;
  ({ db, dir, cleanup } = costTestDb('fm-budget-'));
  other = openDatabase(dir);
  updateBudgetSettings(db, { timeZone: 'UTC' }, 'test');
});
afterEach(() => {
  other.close();
  cleanup();
});

const NOON = new Date('2025-06-10T12:00:00Z');
const DAY = '2025-06-10';

function charge(on: Db, amount: string, priority: 'high' | 'medium' | 'low' = 'high', at = NOON) {
  const result = reserveBudget(on, imageryCall(amount, { priority }), at);
  if (!result.granted) throw new Error(result.refusal.message);
  return commitReservation(on, result.reservation.id, { costMicros: result.reservation.amountMicros, ledger: { cacheHit: false, outcome: 'hit' } }, at).entry;
}

describe('day usage', () => {
  it('sees what other connections committed since it last looked, per pool and priority', () => {
    charge(db, '0.10');
    expect(readDayUsage(other, DAY, NOON.toISOString()).daily.committed).toBe(usd('0.10'));
    charge(db, '0.20', 'low');
    const first = charge(other, '0.05', 'medium');
    appendLedgerCorrection(db, first.id, -10_000, 'refund', 'Dana');
    charge(db, '0.30', 'high', new Date('2025-06-11T12:00:00Z')); // another day
    for (const connection of [db, other]) {
      const usage = readDayUsage(connection, DAY, NOON.toISOString());
      expect(usage.daily.committed).toBe(usd('0.34'));
      expect(usage.daily.byPriority).toEqual({
        high: { committed: usd('0.10'), reserved: 0 },
        medium: { committed: usd('0.04'), reserved: 0 },
        low: { committed: usd('0.20'), reserved: 0 },
      });
      expect(readDayUsage(connection, '2025-06-11', NOON.toISOString()).daily.committed).toBe(usd('0.30'));
    }
  });

  it('does not keep a charge whose transaction rolled back', () => {
    expect(readDayUsage(db, DAY, NOON.toISOString()).daily.committed).toBe(0);
    expect(() =>
      writeTransaction(db, () => {
        charge(db, '0.50');
        expect(readDayUsage(db, DAY, NOON.toISOString()).daily.committed).toBe(usd('0.50'));
        throw new Error('the caller failed after charging');
      }),
    ).toThrow(/caller failed/);
    expect(readDayUsage(db, DAY, NOON.toISOString()).daily.committed).toBe(0);
    charge(other, '0.01');
    expect(readDayUsage(db, DAY, NOON.toISOString()).daily.committed).toBe(usd('0.01'));
  });
});
