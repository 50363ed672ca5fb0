import { describe, expect, it } from 'vitest';
import { budgetDay, budgetDayBounds, isBudgetDay, isValidTimeZone } from './budget-day';

describe('budgetDay', () => {
  it('is the calendar day in the team time zone, not in UTC', () => {
    const utcLateEvening = new Date('2025-06-11T03:30:00Z'); // 22:30 on the 10th in Chicago (CDT)
    expect(budgetDay(utcLateEvening, 'UTC')).toBe('2025-06-11');
    expect(budgetDay(utcLateEvening, 'America/Chicago')).toBe('2025-06-10');
    expect(budgetDay(utcLateEvening, 'Asia/Kolkata')).toBe('2025-06-11');
    expect(budgetDay(new Date('2025-06-10T18:20:00Z'), 'Asia/Kathmandu')).toBe('2025-06-11'); // +05:45
  });

  it('follows daylight saving changes in America/Chicago', () => {
    // Spring forward: 2025-03-09 has 23 hours (CST −6 until 02:00, CDT −5 after).
    expect(budgetDay(new Date('2025-03-09T05:59:59Z'), 'America/Chicago')).toBe('2025-03-08');
    expect(budgetDay(new Date('2025-03-09T06:00:00Z'), 'America/Chicago')).toBe('2025-03-09');
    expect(budgetDay(new Date('2025-03-10T04:59:59Z'), 'America/Chicago')).toBe('2025-03-09');
    expect(budgetDay(new Date('2025-03-10T05:00:00Z'), 'America/Chicago')).toBe('2025-03-10');
    // Fall back: 2025-11-02 has 25 hours.
    expect(budgetDay(new Date('2025-11-02T05:00:00Z'), 'America/Chicago')).toBe('2025-11-02');
    expect(budgetDay(new Date('2025-11-03T05:59:59Z'), 'America/Chicago')).toBe('2025-11-02');
    expect(budgetDay(new Date('2025-11-03T06:00:00Z'), 'America/Chicago')).toBe('2025-11-03');
  });

  it('refuses an invalid date instead of inventing a day', () => {
    expect(() => budgetDay(new Date('not a date'), 'UTC')).toThrow(/invalid date/);
  });
});

describe('budgetDayBounds', () => {
  it('gives 23- and 25-hour days across DST changes, and 24 hours otherwise', () => {
    const spring = budgetDayBounds('2025-03-09', 'America/Chicago');
    expect(spring.start.toISOString()).toBe('2025-03-09T06:00:00.000Z');
    expect(spring.end.toISOString()).toBe('2025-03-10T05:00:00.000Z');
    const fall = budgetDayBounds('2025-11-02', 'America/Chicago');
    expect(fall.end.getTime() - fall.start.getTime()).toBe(25 * 3_600_000);
    const plain = budgetDayBounds('2025-06-10', 'Asia/Kathmandu');
    expect(plain.start.toISOString()).toBe('2025-06-09T18:15:00.000Z');
    expect(plain.end.getTime() - plain.start.getTime()).toBe(24 * 3_600_000);
  });

  it('refuses text that is not a calendar day', () => {
    expect(() => budgetDayBounds('2025-02-30', 'UTC')).toThrow(/not a calendar day/);
    expect(isBudgetDay('2025-6-1')).toBe(false);
    expect(isBudgetDay('2024-02-29')).toBe(true);
  });
});

describe('isValidTimeZone', () => {
  it('knows IANA names and refuses made-up ones', () => {
    expect(isValidTimeZone('America/Chicago')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});
