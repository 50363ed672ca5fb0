import { describe, expect, it } from 'vitest';
import { leadFiltersSchema } from '../../../core/contracts/leads-contract';
import { activeFilterCount, EMPTY_FILTERS, leadFilters, pageCount, pageFilters, toggleStatus } from './lead-filters';
import { featureIdOf, leadOfProperty, leadPoints } from './lead-points';
import {
  conditionLine,
  conditionShort,
  contributionBars,
  countsLine,
  exportFilename,
  hailShort,
  nextStatus,
  pageLine,
  roofAgeShort,
  scoreBand,
  topReason,
} from './leads-view';

describe('a row of the leads list', () => {
  it('colours a score by its band: 70 and up is hot, 40–69 warm, below cool', () => {
    expect([100, 70, 69, 40, 39, 0].map(scoreBand)).toEqual(['hot', 'hot', 'warm', 'warm', 'cool', 'cool']);
  });

  it('counts the list and its hot leads in one line', () => {
    expect(countsLine(312, 41)).toBe('312 leads · 41 ≥ 70');
    expect(countsLine(1, null)).toBe('1 lead');
    expect(countsLine(12_345, 0)).toBe('12,345 leads · 0 ≥ 70');
  });

  it('says the roof condition, age and hail in words a rep reads at a glance', () => {
    expect(conditionShort(35)).toBe('Poor 35/100');
    expect(conditionShort(55)).toBe('Worn 55/100');
    expect(conditionShort(null)).toBe('Not assessed');
    expect(conditionLine(82, 0.64)).toBe('Sound roof, 82/100 · 64% sure');
    expect(conditionLine(20, null)).toBe('Poor roof, 20/100');
    expect(roofAgeShort(21.6)).toBe('22 yr roof');
    expect(roofAgeShort(null)).toBe('Age unknown');
    expect(hailShort(1.75, '2024-04-12T21:30:00Z')).toBe('1.75″ hail, Apr 2024');
    expect(hailShort(1, 'not a date')).toBe('1″ hail');
    expect(hailShort(null, null)).toBe('No hail on record');
  });

  it('shows the first reason, else the strongest contribution', () => {
    const contribution = { feature: 'roof_age', value: '22 years', logit: 0.8, text: 'The roof is 22 years old.' };
    expect(topReason({ reasons: [{ code: 'hail', text: '1.75 in hail nearby.' }], contributions: [contribution] })).toBe('1.75 in hail nearby.');
    expect(topReason({ reasons: [], contributions: [contribution] })).toBe('The roof is 22 years old.');
    expect(topReason({ reasons: [], contributions: [] })).toBe('No reason recorded.');
  });

  it('numbers the page shown', () => {
    expect(pageLine(0, 100, 312)).toBe('1–100 of 312');
    expect(pageLine(300, 12, 312)).toBe('301–312 of 312');
    expect(pageLine(0, 0, 0)).toBe('0 of 0');
  });
});

describe('why a lead scores what it does', () => {
  it('draws each contribution to scale, the strongest full, raising or lowering the score', () => {
    const bars = contributionBars([
      { feature: 'hail', value: '1.75 in', logit: 1.2, text: 'Large hail nearby.' },
      { feature: 'condition', value: '82/100', logit: -0.6, text: 'The roof looks sound.' },
      { feature: 'income', value: '$60k', logit: 0.01, text: 'Average income.' },
      { feature: 'permit', value: 'none', logit: 0, text: 'No recent permit.' },
    ]);
    expect(bars.map((bar) => [bar.direction, bar.width, bar.points])).toEqual([
      ['up', 100, '+1.20'],
      ['down', 50, '−0.60'],
      // A small push still shows; nothing at all shows as nothing.
      ['up', 4, '+0.01'],
      ['none', 0, '0.00'],
    ]);
    expect(bars[1]!.text).toBe('The roof looks sound.');
  });

  it('has no bars when the model gave no breakdown', () => {
    expect(contributionBars([])).toEqual([]);
  });
});

describe('where a lead stands', () => {
  it('moves forward new → contacted → appointment → sold, and no further', () => {
    expect(nextStatus('new')).toBe('contacted');
    expect(nextStatus('contacted')).toBe('appointment');
    expect(nextStatus('appointment')).toBe('sold');
    expect(nextStatus('sold')).toBeNull();
    expect(nextStatus('not_home')).toBeNull();
  });
});

describe('the filter form', () => {
  it('asks for nothing when nothing is set', () => {
    expect(leadFilters(EMPTY_FILTERS)).toEqual({ ok: true, filters: {} });
    expect(activeFilterCount(EMPTY_FILTERS)).toBe(0);
  });

  it('turns what the rep set into filters the service accepts', () => {
    const result = leadFilters({ minScore: 70, statuses: ['new', 'not_home'], hailSince: '2024-03-01', minRoofAge: '15', assignedTo: '  Dana  ' });
    expect(result).toEqual({ ok: true, filters: { minScore: 70, statuses: ['new', 'not_home'], hailSince: '2024-03-01', minRoofAgeYears: 15, assignedTo: 'Dana' } });
    expect(result.ok && leadFiltersSchema.safeParse(pageFilters(result.filters, 2)).success).toBe(true);
    expect(result.ok && pageFilters(result.filters, 2)).toMatchObject({ limit: 100, offset: 200 });
  });

  it('refuses a half-typed roof age or day with a message, instead of sending it', () => {
    expect(leadFilters({ ...EMPTY_FILTERS, minRoofAge: 'abc' })).toEqual({ ok: false, message: 'Roof age: a number of years from 0 to 200.' });
    expect(leadFilters({ ...EMPTY_FILTERS, minRoofAge: '-3' }).ok).toBe(false);
    expect(leadFilters({ ...EMPTY_FILTERS, hailSince: '2024-13-45' }).ok).toBe(false);
  });

  it('toggles a status chip and counts pages', () => {
    expect(toggleStatus(['new'], 'sold')).toEqual(['new', 'sold']);
    expect(toggleStatus(['new', 'sold'], 'new')).toEqual(['sold']);
    expect([0, 1, 100, 101, 312].map(pageCount)).toEqual([1, 1, 1, 2, 4]);
  });
});

describe('leads on the map', () => {
  const lead = (id: string, score: number, propertyId = `p-${id}`) => ({ id, propertyId, address: `${id} Elm St`, score, lat: 33.2, lng: -96.8 });

  it('draws the best lead on top where circles overlap, and finds a lead by its property', () => {
    const points = leadPoints([lead('a', 90), lead('b', 20), lead('c', 55)]);
    expect(points.features.map((f) => f.properties.id)).toEqual(['b', 'c', 'a']);
    expect(points.features.map((f) => f.properties.band)).toEqual(['cool', 'warm', 'hot']);
    expect(points.features[0]!.geometry.coordinates).toEqual([-96.8, 33.2]);
    expect(featureIdOf(points, 'a')).toBe(3);
    expect(featureIdOf(points, 'zzz')).toBeNull();
    expect(leadOfProperty(points, 'p-c')).toEqual({ id: 'c', address: 'c Elm St' });
    expect(leadOfProperty(points, 'p-none')).toBeNull();
  });
});

describe('an export file name', () => {
  it('keeps the service name but never a folder or a character a file system refuses', () => {
    expect(exportFilename('fishmouth-leads-2025-05-20.csv', 'csv')).toBe('fishmouth-leads-2025-05-20.csv');
    expect(exportFilename('../../etc/passwd', 'kml')).toBe('passwd.kml');
    expect(exportFilename('a:b*c?.geojson', 'geojson')).toBe('abc.geojson');
    expect(exportFilename('', 'csv')).toBe('fishmouth-leads.csv');
  });
});
