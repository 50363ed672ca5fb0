import { describe, expect, it } from 'vitest';
import type { ImageryCoverage } from '../../../core/contracts/imagery-contract';
import { batchFeatures, batchLabel, batchLabels, coverageBox, MAX_BATCH_LABELS, tileFeatures } from './coverage-geojson';

type Batch = ImageryCoverage['batches'][number];

const NOW = Date.parse('2026-11-27T12:00:00Z');

/** Amounts as plain numbers of micro-dollars, as they arrive from the service. */
type BatchInput = Partial<Omit<Batch, 'costMicros' | 'costPerPropertyMicros'>> & { costMicros?: number; costPerPropertyMicros?: number };

function batch(overrides: BatchInput = {}): Batch {
  return {
    id: 'b1',
    runId: 'run-1',
    source: 'naip',
    state: 'fetched',
    bbox: [-96.8, 33.0, -96.79, 33.01],
    centre: { lat: 33.005, lng: -96.795 },
    memberCount: 25,
    requestCount: 1,
    costMicros: 0,
    costPerPropertyMicros: 0,
    ...overrides,
  } as Batch;
}

describe('cached tiles on the map', () => {
  const tiles: ImageryCoverage['tiles'] = [
    { id: 't1', source: 'naip', bbox: [-96.8, 33, -96.79, 33.01], groundResolutionM: 0.6, capturedAt: '2022-06-14', expiresAt: null, quality: 0.9, batchId: 'b1' },
    { id: 't2', source: 'google-static-maps', bbox: [-96.7, 33, -96.69, 33.01], groundResolutionM: 0.15, capturedAt: null, expiresAt: '2026-11-20T00:00:00Z', quality: 0.8, batchId: null },
    { id: 't3', source: 'synthetic', bbox: [-96.6, 33, -96.59, 33.01], groundResolutionM: 0.3, capturedAt: null, expiresAt: '2026-12-20T00:00:00Z', quality: 0.3, batchId: null },
  ];

  it('become closed boxes over the area each tile covers', () => {
    const [first] = tileFeatures(tiles, NOW).features;
    expect(first!.geometry.coordinates[0]).toEqual([
      [-96.8, 33],
      [-96.79, 33],
      [-96.79, 33.01],
      [-96.8, 33.01],
      [-96.8, 33],
    ]);
  });

  it('are told apart as free NAIP, paid or other imagery, and expired ones are marked', () => {
    const props = tileFeatures(tiles, NOW).features.map((feature) => feature.properties);
    expect(props.map((p) => p.category)).toEqual(['free', 'paid', 'other']);
    expect(props.map((p) => p.expired)).toEqual([false, true, false]);
  });
});

describe('batches on the map', () => {
  it('carry their state so failed batches can be drawn apart', () => {
    const features = batchFeatures([batch(), batch({ id: 'b2', state: 'failed' })]).features;
    expect(features.map((f) => [f.properties.id, f.properties.state, f.properties.members])).toEqual([
      ['b1', 'fetched', 25],
      ['b2', 'failed', 25],
    ]);
  });

  it('are labelled with homes and the cost per home, or free', () => {
    expect(batchLabel(batch({ costMicros: 100_000, costPerPropertyMicros: 4_000 }))).toBe('25 homes · $0.004/home');
    expect(batchLabel(batch({ memberCount: 12, costMicros: 240_000, costPerPropertyMicros: 20_000 }))).toBe('12 homes · $0.02/home');
    expect(batchLabel(batch({ memberCount: 12, costMicros: 4_000, costPerPropertyMicros: 333 }))).toBe('12 homes · $0.0003/home');
    expect(batchLabel(batch({ memberCount: 3, costMicros: 37_035, costPerPropertyMicros: 12_345 }))).toBe('3 homes · $0.01/home');
    expect(batchLabel(batch({ memberCount: 25, costMicros: 500, costPerPropertyMicros: 20 }))).toBe('25 homes · <$0.0001/home');
    expect(batchLabel(batch({ memberCount: 12 }))).toBe('12 homes · free');
    expect(batchLabel(batch({ memberCount: 1 }))).toBe('1 home · free');
    expect(batchLabel(batch({ state: 'failed', memberCount: 8 }))).toBe('8 homes · failed');
    expect(batchLabel(batch({ state: 'planned', memberCount: 3 }))).toBe('3 homes · planned');
  });

  it('labels sit at each batch centre, and only the largest batches are labelled when there are too many', () => {
    expect(batchLabels([batch()])).toEqual([{ id: 'b1', lng: -96.795, lat: 33.005, text: '25 homes · free', state: 'fetched' }]);
    const many = Array.from({ length: MAX_BATCH_LABELS + 10 }, (_, i) => batch({ id: `b${i}`, memberCount: i + 1 }));
    const labels = batchLabels(many);
    expect(labels).toHaveLength(MAX_BATCH_LABELS);
    expect(labels.map((label) => label.id)).not.toContain('b0');
    expect(labels[0]!.id).toBe(`b${MAX_BATCH_LABELS + 9}`);
  });
});

describe('the map view as a coverage query', () => {
  it('covers the whole view, rounded outward', () => {
    const box = coverageBox({ west: -96.812345678, south: 33.001234567, east: -96.701234567, north: 33.098765432 })!;
    expect(box).toEqual([-96.81235, 33.00123, -96.70123, 33.09877]);
  });

  it('is not asked for a view wider than a territory (the whole country)', () => {
    expect(coverageBox({ west: -124.8, south: 24.4, east: -66.9, north: 49.4 })).toBeNull();
    expect(coverageBox(null)).toBeNull();
  });
});
