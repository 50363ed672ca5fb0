import { describe, expect, it } from 'vitest';
import type { Polygon } from '../domain/geo';
import { addressesConflict, distanceMeters, localitiesCompatible, metersToDegrees, pointInPolygon, polygonCentroid } from './match';
import { normaliseAddress } from './normalise';

// A 20 m × 12 m house in Austin, with a courtyard hole.
const house: Polygon = {
  type: 'Polygon',
  coordinates: [
    [
      [-97.74, 30.27],
      [-97.7398, 30.27],
      [-97.7398, 30.2701],
      [-97.74, 30.2701],
      [-97.74, 30.27],
    ],
    [
      [-97.73995, 30.27002],
      [-97.73990, 30.27002],
      [-97.73990, 30.27004],
      [-97.73995, 30.27004],
      [-97.73995, 30.27002],
    ],
  ],
};

describe('distances and shapes', () => {
  it('measures metres on the ground', () => {
    // One thousandth of a degree of latitude is about 111 m anywhere.
    expect(distanceMeters({ lat: 30.27, lng: -97.74 }, { lat: 30.271, lng: -97.74 })).toBeCloseTo(111.2, 0);
    // Austin to Dallas, about 293 km.
    expect(distanceMeters({ lat: 30.2672, lng: -97.7431 }, { lat: 32.7767, lng: -96.797 }) / 1000).toBeCloseTo(293, -1);
    const span = metersToDegrees(15, 30.27);
    expect(distanceMeters({ lat: 30.27, lng: -97.74 }, { lat: 30.27, lng: -97.74 + span.lng })).toBeCloseTo(15, 1);
  });

  it('finds the centroid of a footprint and whether a point is on the roof', () => {
    const centroid = polygonCentroid(house);
    expect(centroid.lng).toBeCloseTo(-97.7399, 6);
    expect(centroid.lat).toBeCloseTo(30.27005, 6);
    expect(pointInPolygon({ lat: 30.27008, lng: -97.73985 }, house)).toBe(true);
    expect(pointInPolygon({ lat: 30.27003, lng: -97.73992 }, house)).toBe(false); // in the courtyard
    expect(pointInPolygon({ lat: 30.2702, lng: -97.7399 }, house)).toBe(false);
  });
});

describe('addressesConflict', () => {
  const a = normaliseAddress({ houseNumber: '12', street: 'Elm St', postcode: '78701' });
  it('says nothing conflicts when parts are missing', () => {
    expect(addressesConflict(a, normaliseAddress({}))).toBe(false);
    expect(addressesConflict(a, normaliseAddress({ houseNumber: '12' }))).toBe(false);
  });
  it('flags a different number, street or ZIP', () => {
    expect(addressesConflict(a, normaliseAddress({ houseNumber: '14' }))).toBe(true);
    expect(addressesConflict(a, normaliseAddress({ street: 'Oak St' }))).toBe(true);
    expect(addressesConflict(a, normaliseAddress({ postcode: '78702' }))).toBe(true);
  });
  it('treats a ZIP-only and a city-only address as one locality only when their states agree', () => {
    const zip = normaliseAddress({ postcode: '78701', state: 'TX' });
    expect(localitiesCompatible(zip, normaliseAddress({ city: 'Austin', state: 'TX' }))).toBe(true);
    expect(localitiesCompatible(zip, normaliseAddress({ city: 'Austin', state: 'MN' }))).toBe(false);
    expect(localitiesCompatible(normaliseAddress({ postcode: '78701' }), normaliseAddress({ city: 'Austin', state: 'TX' }))).toBe(false);
  });
});
