import type { GeoJSONSource, MapLibreMap } from 'maplibre-gl';
import type { PropertyPoints } from '../../../core/contracts/scan-api';
import type { BBox } from '../../../core/domain/geo';

/*
 * Scanned properties on the map: one circle per property from a GeoJSON source, coloured by
 * where its facts came from (free sources, a bought record, or a local estimate), growing with
 * the zoom. The layer is added once and its data replaced as scans finish.
 */

const SOURCE = 'fishmouth-scan-properties';
const LAYER = 'fishmouth-scan-properties';

export const FACT_COLOURS = { free: '#0f5c7a', paid: '#c77700', estimate: '#8a96a3' } as const;

export function showProperties(map: MapLibreMap, points: PropertyPoints): void {
  const source = map.getSource(SOURCE) as GeoJSONSource | undefined;
  if (source) {
    source.setData(points);
    return;
  }
  map.addSource(SOURCE, { type: 'geojson', data: points });
  map.addLayer({
    id: LAYER,
    type: 'circle',
    source: SOURCE,
    paint: {
      'circle-color': ['match', ['get', 'facts'], 'paid', FACT_COLOURS.paid, 'estimate', FACT_COLOURS.estimate, FACT_COLOURS.free],
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 1.5, 14, 3, 17, 6],
      'circle-opacity': ['interpolate', ['linear'], ['get', 'completeness'], 0, 0.45, 1, 0.9],
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 12, 0, 16, 1],
    },
  });
}

export function flyToBox(map: MapLibreMap, bbox: BBox): void {
  map.fitBounds(
    [
      [bbox[0], bbox[1]],
      [bbox[2], bbox[3]],
    ],
    { padding: 48, maxZoom: 16, duration: 600 },
  );
}
