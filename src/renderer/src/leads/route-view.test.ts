import { describe, expect, it } from 'vitest';
import type { WalkRouteView } from '../../../core/contracts/leads-contract';
import { distanceText, routeBounds, routeGeoJson, routeSummary, walkTimeText } from './route-view';

const stop = (leadId: string, lat: number, lng: number, legM: number) => ({ leadId, address: `${leadId} Oak Ln`, lat, lng, score: 80, legM });

describe('a walking route as a rep reads it', () => {
  it('gives distance in feet when short, else miles', () => {
    expect(distanceText(120)).toBe('390 ft');
    expect(distanceText(676)).toBe('0.42 mi');
    expect(distanceText(3_862)).toBe('2.4 mi');
    expect(distanceText(Number.NaN)).toBe('—');
  });

  it('times the walk at 1.3 m/s', () => {
    // 2,340 m at 1.3 m/s is 1,800 s.
    expect(walkTimeText(2_340)).toBe('30 min');
    expect(walkTimeText(4_680)).toBe('1 h');
    expect(walkTimeText(5_616)).toBe('1 h 12 min');
  });

  it('sums the route up and says what the order saves over nearest-door-first', () => {
    const route: WalkRouteView = { stops: [stop('a', 33.2, -96.8, 900), stop('b', 33.21, -96.8, 1_440)], totalM: 2_340, nearestNeighbourM: 2_925 };
    expect(routeSummary(route)).toEqual({ headline: '2 stops · 1.5 mi · 30 min walk', saving: '0.36 mi (20%) shorter than going to the nearest door each time.' });
  });

  it('says so when the planned order is no shorter', () => {
    const route: WalkRouteView = { stops: [stop('a', 33.2, -96.8, 80)], totalM: 80, nearestNeighbourM: 80 };
    expect(routeSummary(route)).toEqual({ headline: '1 stop · 260 ft · 1 min walk', saving: 'Same length as going to the nearest door each time.' });
  });
});

describe('a walking route on the map', () => {
  it('draws the path from the start through the stops in order, each stop numbered from 1', () => {
    const from = { lat: 33.19, lng: -96.81 };
    const route: WalkRouteView = { stops: [stop('a', 33.2, -96.8, 1), stop('b', 33.21, -96.79, 1)], totalM: 2, nearestNeighbourM: 2 };
    const geojson = routeGeoJson(from, route);
    const path = geojson.features[0]!;
    expect(path.geometry).toEqual({ type: 'LineString', coordinates: [[-96.81, 33.19], [-96.8, 33.2], [-96.79, 33.21]] });
    expect(geojson.features.slice(1).map((f) => f.properties)).toEqual([{ kind: 'start' }, { kind: 'stop', order: 1, leadId: 'a' }, { kind: 'stop', order: 2, leadId: 'b' }]);
    expect(routeBounds(from, route)).toEqual([-96.81, 33.19, -96.79, 33.21]);
  });

  it('draws only the start when there is nothing to walk to', () => {
    const geojson = routeGeoJson({ lat: 1, lng: 2 }, { stops: [], totalM: 0, nearestNeighbourM: 0 });
    expect(geojson.features.map((f) => f.properties.kind)).toEqual(['start']);
  });
});
