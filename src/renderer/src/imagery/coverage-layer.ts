import { Marker, type GeoJSONSource, type MapLibreMap } from 'maplibre-gl';
import type { ImageryCoverage } from '../../../core/contracts/imagery-contract';
import { BATCH_COLOURS, batchFeatures, batchLabels, TILE_COLOURS, tileFeatures, type BatchLabel } from './coverage-geojson';

/*
 * Imagery coverage on the map: cached tiles as translucent fills coloured by source, geographic
 * batches as outlined boxes (failed ones red and dashed) with a label at each centre saying how
 * many homes one request served and what each cost. Drawn under the scanned property circles.
 *
 *   const overlay = new CoverageOverlay(map); overlay.show(coverage, { cache, batches }); overlay.remove();
 */

/** The scanned properties' circle layer (scan/scan-layer.ts): coverage goes beneath it. */
export const PROPERTY_LAYER = 'fishmouth-scan-properties';

const TILE_SOURCE = 'fishmouth-imagery-tiles';
const BATCH_SOURCE = 'fishmouth-imagery-batches';
const CACHE_LAYERS = ['fishmouth-imagery-tiles-fill', 'fishmouth-imagery-tiles-line'] as const;
const BATCH_LAYERS = ['fishmouth-imagery-batches-fetched', 'fishmouth-imagery-batches-planned', 'fishmouth-imagery-batches-failed'] as const;
/** Below this zoom a batch box is a few pixels wide and its label would hide the map. */
const LABEL_MIN_ZOOM = 12.5;

export interface CoverageVisibility {
  cache: boolean;
  batches: boolean;
}

const EMPTY = { type: 'FeatureCollection' as const, features: [] };

export class CoverageOverlay {
  private readonly labels = new Map<string, { marker: Marker; element: HTMLElement }>();
  private labelsVisible = true;
  private readonly onZoom = () => this.applyLabelZoom();

  constructor(private readonly map: MapLibreMap) {
    this.addLayers();
    map.on('zoomend', this.onZoom);
  }

  show(coverage: ImageryCoverage | undefined, visibility: CoverageVisibility): void {
    if (!this.map.getSource(TILE_SOURCE)) this.addLayers();
    (this.map.getSource(TILE_SOURCE) as GeoJSONSource).setData(coverage ? tileFeatures(coverage.tiles, Date.now()) : EMPTY);
    (this.map.getSource(BATCH_SOURCE) as GeoJSONSource).setData(coverage ? batchFeatures(coverage.batches) : EMPTY);
    for (const id of CACHE_LAYERS) this.map.setLayoutProperty(id, 'visibility', visibility.cache ? 'visible' : 'none');
    for (const id of BATCH_LAYERS) this.map.setLayoutProperty(id, 'visibility', visibility.batches ? 'visible' : 'none');
    this.labelsVisible = visibility.batches;
    this.placeLabels(coverage && visibility.batches ? batchLabels(coverage.batches) : []);
  }

  remove(): void {
    this.map.off('zoomend', this.onZoom);
    this.placeLabels([]);
    // Note: the map may already be gone (MapView unmounted first); then its layers went with it.
    if (!this.map.style) return;
    for (const id of [...CACHE_LAYERS, ...BATCH_LAYERS]) if (this.map.getLayer(id)) this.map.removeLayer(id);
    for (const id of [TILE_SOURCE, BATCH_SOURCE]) if (this.map.getSource(id)) this.map.removeSource(id);
  }

  private addLayers(): void {
    const map = this.map;
    const below = map.getLayer(PROPERTY_LAYER) ? PROPERTY_LAYER : undefined;
    map.addSource(TILE_SOURCE, { type: 'geojson', data: EMPTY });
    map.addSource(BATCH_SOURCE, { type: 'geojson', data: EMPTY });
    const tileColour = ['match', ['get', 'category'], 'free', TILE_COLOURS.free, 'paid', TILE_COLOURS.paid, TILE_COLOURS.other] as const;
    map.addLayer(
      {
        id: CACHE_LAYERS[0],
        type: 'fill',
        source: TILE_SOURCE,
        paint: { 'fill-color': tileColour as never, 'fill-opacity': ['case', ['get', 'expired'], 0.08, 0.2] },
      },
      below,
    );
    map.addLayer(
      {
        id: CACHE_LAYERS[1],
        type: 'line',
        source: TILE_SOURCE,
        paint: { 'line-color': tileColour as never, 'line-opacity': 0.45, 'line-width': 0.8 },
      },
      below,
    );
    const outline = (id: string, state: keyof typeof BATCH_COLOURS, dash: number[] | null) =>
      map.addLayer(
        {
          id,
          type: 'line',
          source: BATCH_SOURCE,
          filter: ['==', ['get', 'state'], state],
          layout: { 'line-join': 'round' },
          paint: { 'line-color': BATCH_COLOURS[state], 'line-width': state === 'failed' ? 2 : 1.6, 'line-opacity': 0.9, ...(dash ? { 'line-dasharray': dash } : {}) },
        },
        below,
      );
    outline(BATCH_LAYERS[0], 'fetched', null);
    outline(BATCH_LAYERS[1], 'planned', [1, 2]);
    outline(BATCH_LAYERS[2], 'failed', [3, 2]);
  }

  /** Keeps one DOM marker per labelled batch: moved or re-texted in place, removed when gone. */
  private placeLabels(labels: readonly BatchLabel[]): void {
    const wanted = new Set(labels.map((label) => label.id));
    for (const [id, entry] of this.labels) {
      if (wanted.has(id)) continue;
      entry.marker.remove();
      this.labels.delete(id);
    }
    for (const label of labels) {
      const existing = this.labels.get(label.id);
      if (existing) {
        existing.marker.setLngLat([label.lng, label.lat]);
        existing.element.textContent = label.text;
        existing.element.dataset.state = label.state;
        continue;
      }
      const element = document.createElement('div');
      element.className = 'imagery-batch-label';
      element.dataset.testid = 'imagery-batch-label';
      element.dataset.state = label.state;
      element.textContent = label.text;
      const marker = new Marker({ element, anchor: 'center' }).setLngLat([label.lng, label.lat]).addTo(this.map);
      this.labels.set(label.id, { marker, element });
    }
    this.applyLabelZoom();
  }

  private applyLabelZoom(): void {
    const hidden = !this.labelsVisible || this.map.getZoom() < LABEL_MIN_ZOOM;
    for (const { element } of this.labels.values()) element.hidden = hidden;
  }
}
