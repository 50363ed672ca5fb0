import { parse as parseCsv } from 'csv-parse/sync';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { EXPORT_COLUMNS, leadExportRows, leadsCsv, leadsGeoJson, leadsKml, type LeadExportRow } from './lead-export';
import type { Lead } from './leads-store';
import type { Visit } from './visits-store';

function lead(n: number, overrides: Partial<Lead> = {}): Lead {
  return {
    id: `0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a${String(n).padStart(2, '0')}`,
    propertyId: `property-${n}`,
    territoryId: 'territory-north',
    runId: null,
    lat: 30.508312345,
    lng: -97.678912345,
    address: `${100 + n} Bramble Lane, Round Rock, TX 78664`,
    score: 90 - n,
    probability: (90 - n) / 100 + 0.001234,
    contributions: [],
    features: [1, 2],
    reasons: [
      { code: 'roof-age-over-20', text: 'Roof older than 20 years' },
      { code: 'hail-1.75-within-1mi-12mo', text: 'Hail 1.75 in within 1 mile in the last 12 months' },
      { code: 'dark-streaking', text: 'Dark streaking' },
      { code: 'patchy-texture', text: 'Patchy texture' },
    ],
    modelId: 'lead-score-v1',
    conditionScore: 35,
    conditionConfidence: 0.8123,
    roofAgeYears: 22.04,
    hailMaxInches: 1.75,
    hailLastAt: '2024-04-20T21:10:00.000Z',
    status: 'new',
    assignedTo: null,
    freeSourcesOnly: true,
    scoredAt: '2024-06-01T12:00:00.000Z',
    createdAt: '2024-06-01T12:00:00.000Z',
    updatedAt: '2024-06-01T12:00:00.000Z',
    hlc: '0000000000000-0000-device',
    deviceId: 'device',
    deleted: false,
    ...overrides,
  };
}

const awkward = lead(2, {
  address: 'Unit 4, "The Old Mill"\n12 Oak St, Round Rock, TX',
  assignedTo: 'O\'Brien, Sam',
  conditionScore: null,
  roofAgeYears: null,
  hailMaxInches: null,
  hailLastAt: null,
  reasons: [],
});
const visit: Visit = {
  id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4aff',
  leadId: awkward.id,
  propertyId: awkward.propertyId,
  outcome: 'not_home',
  note: 'Dog in yard, "beware"; try side gate,\r\nafter 5 <pm> & weekends',
  position: null,
  visitedAt: '2024-06-03T22:05:00.000Z',
  rep: 'Sam',
  features: [],
  modelId: 'lead-score-v1',
  hlc: '0000000000000-0000-device',
  deviceId: 'device',
};
const rows = leadExportRows([lead(1), awkward], new Map([[awkward.id, visit]]));

const asText = (row: LeadExportRow) => Object.fromEntries(EXPORT_COLUMNS.map((c) => [c, row[c] === null ? '' : String(row[c])]));

describe('lead export rows', () => {
  it('rank follows the list order; numbers are rounded for people; the top three reasons are joined', () => {
    expect(rows[0]).toMatchObject({
      rank: 1,
      lat: 30.508312,
      lng: -97.678912,
      score: 89,
      condition: 35,
      roof_age_years: 22,
      probability: 0.8912,
      condition_confidence: 0.81,
      top_reasons: 'Roof older than 20 years; Hail 1.75 in within 1 mile in the last 12 months; Dark streaking',
      reason_codes: 'roof-age-over-20|hail-1.75-within-1mi-12mo|dark-streaking|patchy-texture',
      last_visit_at: null,
    });
    expect(rows[1]).toMatchObject({ rank: 2, condition: null, top_reasons: null, last_visit_outcome: 'not_home', last_visit_note: visit.note });
  });
});

describe('CSV', () => {
  const csv = leadsCsv(rows);

  it('starts with the documented columns, in order', () => {
    expect(csv.split('\r\n')[0]).toBe(
      'rank,lead_id,address,lat,lng,score,condition,roof_age_years,hail_max_in,hail_last_at,status,assigned_to,top_reasons,scored_at,reason_codes,probability,condition_confidence,property_id,territory_id,model_id,last_visit_at,last_visit_outcome,last_visit_note',
    );
  });

  it('reads back with a CSV parser exactly as exported, commas, quotes and line breaks included', () => {
    const parsed = parseCsv(csv, { columns: true }) as Record<string, string>[];
    expect(parsed).toEqual(rows.map(asText));
    expect(parsed[1]!.address).toBe('Unit 4, "The Old Mill"\n12 Oak St, Round Rock, TX');
    expect(parsed[1]!.last_visit_note).toBe('Dog in yard, "beware"; try side gate,\r\nafter 5 <pm> & weekends');
    expect(csv).toContain('"Unit 4, ""The Old Mill""\n12 Oak St, Round Rock, TX"');
  });

  it('keeps a spreadsheet from running text typed as a formula', () => {
    const risky = leadExportRows([lead(3, { address: '=HYPERLINK("http://evil.example","x")', assignedTo: '@rep', lng: -97.5 })]);
    const parsed = parseCsv(leadsCsv(risky), { columns: true }) as Record<string, string>[];
    expect(parsed[0]).toMatchObject({ address: '\'=HYPERLINK("http://evil.example","x")', assigned_to: "'@rep", lng: '-97.5' });
  });

  it('an empty list is just the header', () => {
    expect(parseCsv(leadsCsv([]), { columns: true })).toEqual([]);
  });
});

describe('GeoJSON', () => {
  it('is a FeatureCollection of points at [lng, lat] with every column as a property', () => {
    const document = JSON.parse(leadsGeoJson(rows));
    expect(document.type).toBe('FeatureCollection');
    expect(document.features).toHaveLength(2);
    expect(document.features[1]).toMatchObject({ type: 'Feature', id: awkward.id, geometry: { type: 'Point', coordinates: [-97.678912, 30.508312] } });
    expect(Object.keys(document.features[0].properties)).toEqual([...EXPORT_COLUMNS]);
    expect(document.features[1].properties).toEqual(rows[1]);
  });
});

describe('KML', () => {
  it('is well-formed XML with one Placemark per lead holding every column', () => {
    const kml = leadsKml(rows, 'North & South <Leads>');
    const placemarks: Record<string, string>[] = [];
    const names: string[] = [];
    let current: Record<string, string> | null = null;
    let dataName: string | null = null;
    let text = '';
    const parser = new SaxesParser({ xmlns: true });
    parser.on('error', (error) => {
      throw error;
    });
    parser.on('opentag', (tag) => {
      text = '';
      if (tag.local === 'Placemark') current = {};
      if (tag.local === 'Data') dataName = String(tag.attributes.name?.value ?? tag.attributes.name);
    });
    parser.on('text', (t) => (text += t));
    parser.on('closetag', (tag) => {
      if (tag.local === 'value' && current && dataName) current[dataName] = text;
      if (tag.local === 'coordinates' && current) current.coordinates = text;
      if (tag.local === 'name') names.push(text);
      if (tag.local === 'Placemark' && current) {
        placemarks.push(current);
        current = null;
      }
    });
    parser.write(kml).close();

    expect(names[0]).toBe('North & South <Leads>');
    expect(placemarks).toHaveLength(2);
    expect(placemarks[1]!.coordinates).toBe('-97.678912,30.508312');
    const { coordinates: _c, ...columns } = placemarks[1]!;
    expect(columns).toEqual(asText(rows[1]!));
  });

  it('drops characters XML cannot carry rather than writing a broken file', () => {
    const kml = leadsKml(leadExportRows([lead(4, { address: 'Bell\u0007 Rd' })]));
    expect(() => new SaxesParser().write(kml).close()).not.toThrow();
    expect(kml).toContain('Bell Rd');
  });
});
