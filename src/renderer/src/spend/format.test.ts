import { describe, expect, it } from 'vitest';
import { barGeometry, percent, splitFieldErrors, splitRowErrors, usd, usdCents, usdInput, utilisationTone } from './format';

describe('spend panel text', () => {
  it('shows money as dollars and rates as whole percentages, small ones with a decimal', () => {
    expect(usd(600_000)).toBe('$0.60');
    expect(usd(2_000)).toBe('$0.002');
    expect(usdInput(12_500_000)).toBe('12.50');
    expect(usdCents(1_418_214)).toBe('$1.42');
    expect(usdInput(1_234_000_000)).toBe('1234.00');
    expect(percent(2 / 3)).toBe('67%');
    expect(percent(0.004)).toBe('0.4%');
    expect(percent(0.0000001)).toBe('<0.1%');
    expect(percent(0)).toBe('0%');
    expect(percent(null)).toBe('—');
  });
});

describe('barGeometry', () => {
  it('splits the bar into spent and reserved, never past its end', () => {
    expect(barGeometry(600_000, 100_000, 1_000_000)).toEqual({ committed: 60, reserved: 10, over: false });
    expect(barGeometry(900_000, 300_000, 1_000_000)).toEqual({ committed: 90, reserved: 10, over: false });
    expect(barGeometry(1_500_000, 0, 1_000_000)).toEqual({ committed: 100, reserved: 0, over: true });
    expect(barGeometry(0, 0, 0)).toEqual({ committed: 0, reserved: 0, over: false });
  });
  it('turns amber at 80% and red when used up', () => {
    expect(utilisationTone(799_999, 1_000_000)).toBe('ok');
    expect(utilisationTone(800_000, 1_000_000)).toBe('pending');
    expect(utilisationTone(1_000_000, 1_000_000)).toBe('failed');
    expect(utilisationTone(0, 0)).toBe('off');
  });
});

describe('splitFieldErrors', () => {
  const fields = ['dailyUsd', 'emergencyUsd', 'prioritySharesPercent', 'timeZone'] as const;
  it('puts each refusal under its field, without repeating the label', () => {
    const message =
      'budget.update: params.dailyUsd: daily budget: "-5" is negative; enter an amount of zero or more.; params.emergencyUsd: emergency budget: "abc" is not a dollar amount; write it like 10, 10.50 or $1,234.56.';
    expect(splitFieldErrors(message, fields)).toEqual({
      byField: {
        dailyUsd: '"-5" is negative; enter an amount of zero or more.',
        emergencyUsd: '"abc" is not a dollar amount; write it like 10, 10.50 or $1,234.56.',
      },
      general: null,
    });
  });
  it('understands the settings names the server uses, and keeps the rest general', () => {
    const shares = 'The budget settings are not valid: prioritySharesPercent: priority shares must add up to 100%.';
    expect(splitFieldErrors(shares, fields).byField).toEqual({ prioritySharesPercent: 'Priority shares must add up to 100%.' });
    const daily = 'The budget settings are not valid: dailyMicros: daily budget cannot be negative.';
    expect(splitFieldErrors(daily, fields, { dailyMicros: 'dailyUsd' }).byField).toEqual({ dailyUsd: 'Daily budget cannot be negative.' });
    expect(splitFieldErrors('The orchestrator is not reachable.', fields)).toEqual({ byField: {}, general: 'The orchestrator is not reachable.' });
  });
  it('finds the rows of a price table refusal', () => {
    const { byRow } = splitRowErrors('prices.update: params.prices[2].price: price: "-1" is negative; enter an amount of zero or more.');
    expect([...byRow]).toEqual([[2, '"-1" is negative; enter an amount of zero or more.']]);
    const twice = splitRowErrors('The price table is not valid: prices[1]: naip * is priced twice.');
    expect([...twice.byRow]).toEqual([[1, 'Naip * is priced twice.']]);
  });
});
