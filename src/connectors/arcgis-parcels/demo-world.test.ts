import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costTestDb } from '../../core/cost/cost.testkit';
import { configureSource } from '../../core/cost/sources';
import type { BBox } from '../../core/domain/geo';
import { createDemoWorld } from '../../demo/world';
import { applyEmulatorBaseUrls, startEmulators, type Emulators } from '../../emulators/server';
import { lookupPropertyByAddress } from '../property-records/connector';
import { fetchPermits } from '../socrata-permits/connector';
import { findPortal } from '../socrata-permits/portals';
import { findCounty } from './counties';
import { fetchParcels } from './connector';

/**
 * The three connectors of this folder group against the demo territory on the full emulator set
 * (every route, as `fishmouth demo` runs them): parcels, roofing permits and a paid record.
 */

const world = createDemoWorld({ properties: 300, seed: 7, asOf: '2026-06-01' });
const store = costTestDb('fm-demo-connectors-');
let emulators: Emulators;

beforeAll(async () => {
  emulators = await startEmulators({ world });
  applyEmulatorBaseUrls(store.db, emulators.baseUrls);
  for (const source of ['arcgis-parcels', 'socrata-permits', 'property-records']) {
    configureSource(store.db, source, { baseUrl: emulators.baseUrls[source], requestsPerSecond: 1000, burst: 1000 }, { actor: 'test' });
  }
});
afterAll(async () => {
  await emulators.close();
  store.cleanup();
});

describe('parcels, permits and paid records of the demo territory', () => {
  it('every demo parcel in a box comes back with its facts', async () => {
    const [w, s, e, n] = world.bbox;
    const box: BBox = [w, s, w + (e - w) / 2, s + (n - s) / 2];
    const fetched = await fetchParcels(store.db, findCounty('demo')!, box, { pageSize: 50 });
    const truth = world.parcelsIn(box);
    expect(truth.length).toBeGreaterThan(20);
    expect(fetched.parcels.map((p) => p.observation.parcelId).sort()).toEqual(truth.map((p) => p.parcelId).sort());
    expect(fetched.rejected).toEqual([]);
    expect(JSON.stringify(fetched)).not.toMatch(/DEMO OWNER/);
  });

  it('the roofing filter finds every roofing permit, and each verdict matches the World (solar on a roof is not roofing)', async () => {
    const candidates = await fetchPermits(store.db, findPortal('demo')!, world.bbox, { pageSize: 200 });
    const truth = world.permits().filter((permit) => permit.isRoofing);
    expect(truth.length).toBeGreaterThan(0);
    expect(candidates.permits.filter((p) => p.isRoofing).map((p) => p.permitNumber).sort()).toEqual(truth.map((p) => p.permitNumber).sort());
    const all = await fetchPermits(store.db, findPortal('demo')!, world.bbox, { pageSize: 200, roofingOnly: false });
    expect(all.permits).toHaveLength(world.permits().length);
    const wrong = all.permits.filter((p) => p.isRoofing !== world.permits().find((t) => t.permitNumber === p.permitNumber)!.isRoofing);
    expect(wrong.map((p) => `${p.workClass}: ${p.description}`)).toEqual([]);
  });

  it('a parcel\'s site address finds its paid record', async () => {
    const parcel = world.parcelsIn(world.bbox)[5]!;
    const found = await lookupPropertyByAddress(store.db, parcel.siteAddress, { apiKey: 'demoKey12345' });
    expect(found.kind).toBe('found');
    if (found.kind === 'found') expect(found.observation.address).toMatchObject({ houseNumber: parcel.siteAddress.houseNumber, street: parcel.siteAddress.street, postcode: parcel.siteAddress.postcode });
  });
});
