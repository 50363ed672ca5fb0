import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAudit, type Db } from '../store';
import { statement } from '../store/database';
import { costTestDb } from './cost.testkit';
import { priceFor } from './prices';
import { defineSourcePolicy, readSourceOverrides, type SourcePolicyInput } from './source-policy';
import { configureSource, listSourcePolicies, SOURCE_CATALOGUE, sourcePolicy } from './sources';

const byId = (id: string) => SOURCE_CATALOGUE.find((policy) => policy.id === id)!;

describe('the seed source catalogue', () => {
  it('carries the documented rate limits and daily caps', () => {
    const limits = Object.fromEntries(SOURCE_CATALOGUE.map((p) => [p.id, [p.rateLimit?.requestsPerSecond ?? null, p.dailyCap]]));
    expect(limits).toMatchObject({
      'osm-overpass': [1, 10_000],
      nominatim: [1, null],
      'census-geocoder': [2, 1_000],
      'census-acs': [2, 1_000],
      'noaa-spc': [0.5, 500],
      'ncei-storm-events': [0.5, 500],
      'arcgis-parcels': [0.5, 500],
      'socrata-permits': [0.5, 500],
      naip: [0.5, 500],
      'google-static-maps': [0.1, 100],
      'mapbox-static-images': [0.1, 100],
      'user-files': [null, null],
    });
  });

  it('encodes each licence: Google imagery never stored, NAIP public domain, OSM ODbL, no bulk OSM tiles offline', () => {
    expect(byId('google-static-maps').licence).toMatchObject({ storable: false, cacheable: false, offlineUse: false });
    expect(byId('mapbox-static-images').licence.storable).toBe(false);
    expect(byId('naip').licence).toMatchObject({ name: expect.stringMatching(/public domain/i), storable: true, offlineUse: true, bulkDownload: true });
    expect(byId('osm-overpass').licence).toMatchObject({ name: expect.stringMatching(/ODbL/), attribution: '© OpenStreetMap contributors', offlineUse: true });
    expect(byId('osm-tiles').licence).toMatchObject({ bulkDownload: false, offlineUse: false });
    for (const policy of SOURCE_CATALOGUE) {
      if (policy.kind !== 'local') expect(policy.userAgent).toMatch(/^FishMouth\//);
    }
  });

  it('prices every paid source from the default price table', () => {
    const { db, cleanup } = costTestDb('fm-sources-');
    try {
      for (const policy of SOURCE_CATALOGUE.filter((p) => p.kind === 'paid')) {
        expect(priceFor(db, policy.price!.source, policy.price!.operation)).toBeGreaterThan(0);
      }
    } finally {
      cleanup();
    }
  });

  it('refuses a declaration that breaks the rules', () => {
    const base = byId('naip') as SourcePolicyInput;
    const cases: [Partial<SourcePolicyInput>, RegExp][] = [
      [{ kind: 'paid' }, /paid source needs a price-table entry/],
      [{ rateLimit: null }, /network source needs a rate limit/],
      [{ baseUrl: 'ftp://example.org' }, /http\(s\) address/],
      [{ userAgent: 'FishMouth\r\nX-Evil: 1' }, /printable ASCII/],
      [{ rateLimit: { requestsPerSecond: -1, burst: 1 } }, /requestsPerSecond/],
      [{ dailyCap: Number.NaN }, /dailyCap/],
      [{ licence: { ...base.licence, storable: false } }, /neither cached nor used offline/],
    ];
    for (const [change, message] of cases) expect(() => defineSourcePolicy({ ...base, ...change })).toThrow(message);
  });
});

describe('source settings', () => {
  let db: Db;
  let cleanup: () => void;
  beforeEach(() => ({ db, cleanup } = costTestDb('fm-sources-')));
  afterEach(() => cleanup());

  it('changes a rate, cap and address for every process, audited, and restores the defaults on null', () => {
    const saved = configureSource(db, 'naip', { requestsPerSecond: 2, dailyCap: 50, baseUrl: 'http://127.0.0.1:8099/naip' }, { actor: 'manager' });
    expect(saved.version).toBe(1);
    expect(sourcePolicy(db, 'naip')).toMatchObject({ rateLimit: { requestsPerSecond: 2, burst: 1 }, dailyCap: 50, baseUrl: 'http://127.0.0.1:8099/naip' });
    expect(sourcePolicy(db, 'naip')!.licence).toEqual(byId('naip').licence);
    expect(listAudit(db)[0]).toMatchObject({ actor: 'manager', action: 'source-settings-changed', details: { source: 'naip', version: 1 } });

    configureSource(db, 'naip', null, { actor: 'manager' });
    expect(sourcePolicy(db, 'naip')).toEqual(byId('naip'));
    expect(listSourcePolicies(db)).toHaveLength(SOURCE_CATALOGUE.length);
  });

  it('refuses bad settings with a message and keeps the old ones', () => {
    configureSource(db, 'nominatim', { dailyCap: 300 }, { actor: 'manager' });
    const bad: [string, unknown, RegExp][] = [
      ['nominatim', { requestsPerSecond: -1 }, /requestsPerSecond/],
      ['nominatim', { requestsPerSecond: Number.NaN }, /requestsPerSecond/],
      ['nominatim', { requestsPerSecond: 1e9 }, /requestsPerSecond/],
      ['nominatim', { dailyCap: 'lots' }, /dailyCap/],
      ['nominatim', { dailyCap: 2.5 }, /dailyCap/],
      ['nominatim', { licence: { storable: true } }, /licence/],
      ['user-files', { requestsPerSecond: 5 }, /local source/],
      ['bing-maps', { dailyCap: 5 }, /no data source called "bing-maps"/],
    ];
    for (const [id, settings, message] of bad) expect(() => configureSource(db, id, settings, { actor: 'manager' })).toThrow(message);
    expect(readSourceOverrides(db)).toMatchObject({ version: 1, overrides: { nominatim: { dailyCap: 300 } } });
  });

  it('refuses an edit made against settings someone else changed since', () => {
    configureSource(db, 'naip', { dailyCap: 10 }, { actor: 'alice' });
    expect(() => configureSource(db, 'naip', { dailyCap: 20 }, { actor: 'bob', expectedVersion: 0 })).toThrow(/changed elsewhere/);
    expect(sourcePolicy(db, 'naip')!.dailyCap).toBe(10);
  });

  it('reports a damaged settings row instead of silently ignoring it', () => {
    statement(db, "INSERT INTO meta (key, value) VALUES ('source_policy_overrides', '{\"version\":\"x\"}')").run();
    expect(() => readSourceOverrides(db)).toThrow(/data source settings row in the database is not in the expected shape/);
  });
});
