import { describe, expect, it } from 'vitest';
import type { ApiKeyList, ApiKeySummary } from '../../../core/contracts/secrets-api';
import { apiKeyRows, keysNeedingAttention, parseRotationDays, rotationBadge } from './api-keys-view';

const NOW = Date.parse('2025-03-10T12:00:00Z');

function summary(overrides: Partial<ApiKeySummary>): ApiKeySummary {
  return {
    name: 'census.api-key',
    label: 'Census API key',
    createdAt: '2025-03-01T12:00:00.000Z',
    updatedAt: '2025-03-01T12:00:00.000Z',
    rotateAfterDays: 30,
    ageDays: 9,
    rotationDue: false,
    rotationDueAt: '2025-03-31T12:00:00.000Z',
    hint: '••••1234',
    problem: null,
    ...overrides,
  };
}

describe('Settings → API keys view', () => {
  it('shows every known source, saved or not, then custom keys', () => {
    const list: ApiKeyList = {
      unlocked: true,
      lockedReason: null,
      keys: [summary({ name: 'zeta.token', label: null }), summary({ name: 'census.api-key' })],
    };
    const rows = apiKeyRows(list);
    expect(rows.map((r) => [r.name, r.saved?.hint ?? null])).toEqual([
      ['google-static-maps.api-key', null],
      ['mapbox.access-token', null],
      ['census.api-key', '••••1234'],
      ['socrata.app-token', null],
      ['property-records.api-key', null],
      ['zeta.token', '••••1234'],
    ]);
    expect(apiKeyRows(undefined)).toHaveLength(5);
  });

  it('badges a key by its rotation state', () => {
    expect(rotationBadge(null, NOW)).toEqual({ text: 'Not set', tone: 'off' });
    expect(rotationBadge(summary({}), NOW)).toEqual({ text: 'Rotate in 21 d', tone: 'ok' });
    expect(rotationBadge(summary({ rotationDueAt: '2025-03-12T12:00:00.000Z' }), NOW)).toEqual({ text: 'Rotate in 2 d', tone: 'pending' });
    expect(rotationBadge(summary({ rotationDue: true, rotationDueAt: '2025-03-01T00:00:00.000Z' }), NOW)).toEqual({ text: 'Rotation due', tone: 'failed' });
    expect(rotationBadge(summary({ hint: null, problem: 'saved under another master key' }), NOW)).toEqual({ text: 'Cannot be read', tone: 'failed' });
  });

  it('counts keys that need a new value for the Settings button', () => {
    const list: ApiKeyList = {
      unlocked: true,
      lockedReason: null,
      keys: [summary({ rotationDue: true }), summary({ name: 'a.b', problem: 'damaged' }), summary({ name: 'c.d' })],
    };
    expect(keysNeedingAttention(list)).toBe(2);
    expect(keysNeedingAttention(undefined)).toBe(0);
  });

  it('accepts a rotation period of 1–365 whole days only', () => {
    expect(parseRotationDays(' 28 ')).toEqual({ ok: true, days: 28 });
    for (const bad of ['', '0', '366', '-1', '1.5', 'NaN', 'thirty', '1e3']) expect(parseRotationDays(bad).ok).toBe(false);
  });
});
