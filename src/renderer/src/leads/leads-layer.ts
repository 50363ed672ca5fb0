import { Marker, type GeoJSONSource, type MapLibreMap } from 'maplibre-gl';
import type { LatLng } from '../../../core/domain/geo';
import type { LeadPoints } from './lead-points';
import { BAND_COLOURS } from './leads-view';
import { routeGeoJson } from './route-view';
import type { PlannedRoute } from './leads-ui-store';

/*
 * Leads on the map: one circle per lead, larger and warmer the higher its score, drawn above the
 * scanned property circles; a ring round the lead open in the detail; and the planned walking
 * route as a path from its start with a numbered marker at each stop (DOM markers: the offline
 * style has no glyphs for text layers).
 *
 *   const overlay = new LeadsOverlay(map); overlay.showLeads(points); overlay.showSelected(at);
 *   overlay.showRoute(route); overlay.remove();
 */

export const LEADS_LAYER = 'fishmouth-leads';
const LEADS_SOURCE = 'fishmouth-leads';
const SELECTED_SOURCE = 'fishmouth-leads-selected';
const ROUTE_SOURCE = 'fishmouth-leads-route';
const SELECTED_LAYER = 'fishmouth-leads-selected';
const ROUTE_CASING_LAYER = 'fishmouth-leads-route-casing';
const ROUTE_LINE_LAYER = 'fishmouth-leads-route-line';
const ROUTE_START_LAYER = 'fishmouth-leads-route-start';
/** Bottom to top; kept above every other layer (properties, coverage) as those come and go. */
const OWN_LAYERS = [LEADS_LAYER, SELECTED_LAYER, ROUTE_CASING_LAYER, ROUTE_LINE_LAYER, ROUTE_START_LAYER] as const;
const ROUTE_COLOUR = '#1d4ed8';

const EMPTY = { type: 'FeatureCollection' as const, features: [] };

export class LeadsOverlay {
  private readonly stopMarkers: Marker[] = [];
  private readonly onStyleData = () => this.keepOnTop();

  constructor(private readonly map: MapLibreMap) {
    this.addLayers();
    map.on('styledata', this.onStyleData);
  }

  showLeads(points: LeadPoints | undefined): void {
    this.source(LEADS_SOURCE)?.setData(points ?? EMPTY);
  }

  /** Rings the lead open in the detail (wherever it is, drawn in the list or not). */
  showSelected(at: LatLng | null): void {
    this.source(SELECTED_SOURCE)?.setData(at ? { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: [at.lng, at.lat] }, properties: {} }] } : EMPTY);
  }

  showRoute(planned: PlannedRoute | null): void {
    this.source(ROUTE_SOURCE)?.setData(planned ? routeGeoJson(planned.from, planned.route) : EMPTY);
    for (const marker of this.stopMarkers.splice(0)) marker.remove();
    if (!planned) return;
    planned.route.stops.forEach((stop, index) => {
      const element = document.createElement('div');
      element.className = 'lead-route-stop';
      element.dataset.testid = 'lead-route-stop';
      element.textContent = String(index + 1);
      element.title = `${index + 1}. ${stop.address}`;
      this.stopMarkers.push(new Marker({ element, anchor: 'center' }).setLngLat([stop.lng, stop.lat]).addTo(this.map));
    });
  }

  remove(): void {
    this.map.off('styledata', this.onStyleData);
    for (const marker of this.stopMarkers.splice(0)) marker.remove();
    // Note: the map may already be gone (MapView unmounted first); then its layers went with it.
    if (!this.map.style) return;
    for (const id of [...OWN_LAYERS].reverse()) if (this.map.getLayer(id)) this.map.removeLayer(id);
    for (const id of [LEADS_SOURCE, SELECTED_SOURCE, ROUTE_SOURCE]) if (this.map.getSource(id)) this.map.removeSource(id);
  }

  private source(id: string): GeoJSONSource | undefined {
    if (!this.map.getSource(id)) this.addLayers();
    return this.map.getSource(id) as GeoJSONSource | undefined;
  }

  /**
   * Layers added after these (the scanned properties arrive with a scan, coverage is re-added)
   * would cover the leads: move ours back to the top. Note: moving fires styledata again, and then
   * the order is already right, so this settles at once.
   */
  private keepOnTop(): void {
    if (!this.map.style || !this.map.getLayer(LEADS_LAYER)) return;
    const order = this.map.getLayersOrder();
    const firstOwn = order.indexOf(LEADS_LAYER);
    if (order.slice(firstOwn + 1).every((id) => (OWN_LAYERS as readonly string[]).includes(id))) return;
    for (const id of OWN_LAYERS) if (this.map.getLayer(id)) this.map.moveLayer(id);
  }

  private addLayers(): void {
    const map = this.map;
    for (const id of [LEADS_SOURCE, SELECTED_SOURCE, ROUTE_SOURCE]) if (!map.getSource(id)) map.addSource(id, { type: 'geojson', data: EMPTY });
    if (!map.getLayer(LEADS_LAYER)) {
      map.addLayer({
        id: LEADS_LAYER,
        type: 'circle',
        source: LEADS_SOURCE,
        paint: {
          'circle-color': ['match', ['get', 'band'], 'hot', BAND_COLOURS.hot, 'warm', BAND_COLOURS.warm, BAND_COLOURS.cool],
          // Note: larger than a property's circle at every zoom, so the property shows as the lead's core.
          'circle-radius': [
            'interpolate',
            ['linear'],
            ['zoom'],
            10,
            ['interpolate', ['linear'], ['get', 'score'], 0, 2, 100, 4],
            14,
            ['interpolate', ['linear'], ['get', 'score'], 0, 3.5, 100, 7],
            17,
            ['interpolate', ['linear'], ['get', 'score'], 0, 7, 100, 14],
          ],
          'circle-opacity': 0.85,
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 12, 0.5, 16, 1.5],
        },
      });
    }
    if (!map.getLayer(SELECTED_LAYER)) {
      map.addLayer({
        id: SELECTED_LAYER,
        type: 'circle',
        source: SELECTED_SOURCE,
        paint: {
          'circle-color': 'rgba(0,0,0,0)',
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 7, 17, 20],
          'circle-stroke-color': '#14202b',
          'circle-stroke-width': 3,
        },
      });
    }
    if (!map.getLayer(ROUTE_CASING_LAYER)) {
      map.addLayer({
        id: ROUTE_CASING_LAYER,
        type: 'line',
        source: ROUTE_SOURCE,
        filter: ['==', ['get', 'kind'], 'path'],
        layout: { 'line-join': 'round', 'line-cap': 'round' },
        paint: { 'line-color': '#ffffff', 'line-width': 6, 'line-opacity': 0.9 },
      });
    }
    if (!map.getLayer(ROUTE_LINE_LAYER)) {
      map.addLayer({
        id: ROUTE_LINE_LAYER,
        type: 'line',
        source: ROUTE_SOURCE,
        filter: ['==', ['get', 'kind'], 'path'],
        layout: { 'line-join': 'round', 'line-cap': 'round' },
        paint: { 'line-color': ROUTE_COLOUR, 'line-width': 3 },
      });
    }
    if (!map.getLayer(ROUTE_START_LAYER)) {
      map.addLayer({
        id: ROUTE_START_LAYER,
        type: 'circle',
        source: ROUTE_SOURCE,
        filter: ['==', ['get', 'kind'], 'start'],
        paint: { 'circle-color': '#ffffff', 'circle-radius': 6, 'circle-stroke-color': ROUTE_COLOUR, 'circle-stroke-width': 3 },
      });
    }
  }
}
