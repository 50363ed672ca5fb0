import type { ImageryCoverage } from '../../../core/contracts/imagery-contract';
import type { BBox } from '../../../core/domain/geo';
import { MAX_BBOX_DEGREES } from '../../../core/domain/geo';
import { usd, usdCents } from '../spend/format';
import { sourceCategory, type SourceCategory } from './imagery-view';

/*
 * Cached imagery tiles and geographic batches as GeoJSON for the map, and the text of each
 * batch's label. Pure: tested in Node; coverage-layer.ts puts the result on the map.
 */

type Tile = ImageryCoverage['tiles'][number];
type Batch = ImageryCoverage['batches'][number];

/** Fill colours of cached tiles by source: free (NAIP) green, paid amber, other grey. */
export const TILE_COLOURS: Record<SourceCategory, string> = { free: '#2b8a3e', paid: '#c77700', other: '#8a96a3' };
export const BATCH_COLOURS = { planned: '#5d6b78', fetched: '#0f5c7a', failed: '#b42318' } as const;

interface Polygon {
  type: 'Polygon';
  coordinates: [number, number][][];
}

export interface TileFeature {
  type: 'Feature';
  id: number;
  geometry: Polygon;
  properties: { id: string; source: string; category: SourceCategory; quality: number; expired: boolean };
}

export interface BatchFeature {
  type: 'Feature';
  id: number;
  geometry: Polygon;
  properties: { id: string; source: string; state: Batch['state']; members: number };
}

export interface FeatureCollection<F> {
  type: 'FeatureCollection';
  features: F[];
}

export function boxPolygon([west, south, east, north]: BBox): Polygon {
  return {
    type: 'Polygon',
    coordinates: [
      [
        [west, south],
        [east, south],
        [east, north],
        [west, north],
        [west, south],
      ],
    ],
  };
}

/** Tiles as boxes; an expired tile is kept (it still shows where imagery was) but marked. */
export function tileFeatures(tiles: readonly Tile[], now: number): FeatureCollection<TileFeature> {
  return {
    type: 'FeatureCollection',
    features: tiles.map((tile, index) => ({
      type: 'Feature',
      id: index,
      geometry: boxPolygon(tile.bbox),
      properties: {
        id: tile.id,
        source: tile.source,
        category: sourceCategory(tile.source),
        quality: tile.quality,
        expired: tile.expiresAt !== null && Date.parse(tile.expiresAt) <= now,
      },
    })),
  };
}

export function batchFeatures(batches: readonly Batch[]): FeatureCollection<BatchFeature> {
  return {
    type: 'FeatureCollection',
    features: batches.map((batch, index) => ({
      type: 'Feature',
      id: index,
      geometry: boxPolygon(batch.bbox),
      properties: { id: batch.id, source: batch.source, state: batch.state, members: batch.memberCount },
    })),
  };
}

/** "25 homes · $0.004/home", "12 homes · free", "3 homes · planned", "8 homes · failed". */
export function batchLabel(batch: Pick<Batch, 'memberCount' | 'state' | 'costMicros' | 'costPerPropertyMicros'>): string {
  const homes = `${batch.memberCount.toLocaleString('en-US')} ${batch.memberCount === 1 ? 'home' : 'homes'}`;
  if (batch.state === 'failed') return `${homes} · failed`;
  if (batch.state === 'planned') return `${homes} · planned`;
  if (batch.costMicros === 0) return `${homes} · free`;
  return `${homes} · ${perHome(batch.costPerPropertyMicros)}/home`;
}

/** Cents from a cent up; below, to a hundredth of a cent, since a shared image often costs less per home. */
export function perHome(micros: number): string {
  if (micros >= 10_000) return usdCents(micros);
  if (micros < 50) return '<$0.0001';
  return usd(Math.round(micros / 100) * 100);
}

export interface BatchLabel {
  id: string;
  lng: number;
  lat: number;
  text: string;
  state: Batch['state'];
}

/** Note: labels are DOM markers (the offline style has no glyphs), so only so many are drawn. */
export const MAX_BATCH_LABELS = 150;

export function batchLabels(batches: readonly Batch[], max = MAX_BATCH_LABELS): BatchLabel[] {
  // The biggest batches say the most about where the money went; small ones are left unlabelled first.
  const ordered = batches.length > max ? [...batches].sort((a, b) => b.memberCount - a.memberCount).slice(0, max) : batches;
  return ordered.map((batch) => ({ id: batch.id, lng: batch.centre.lng, lat: batch.centre.lat, text: batchLabel(batch), state: batch.state }));
}

/** The map's view as a coverage query box, or null when it is too large to ask about. */
export function coverageBox(bounds: { west: number; south: number; east: number; north: number } | null): BBox | null {
  if (!bounds) return null;
  const west = Math.max(-180, outward(bounds.west, Math.floor));
  const east = Math.min(180, outward(bounds.east, Math.ceil));
  const south = Math.max(-85, outward(bounds.south, Math.floor));
  const north = Math.min(85, outward(bounds.north, Math.ceil));
  if (west >= east || south >= north) return null;
  if (east - west > MAX_BBOX_DEGREES || north - south > MAX_BBOX_DEGREES) return null;
  return [west, south, east, north];
}

/** To ~1 m, away from the view's middle, so the box still covers the whole view. */
function outward(value: number, direction: (x: number) => number): number {
  return direction(value * 1e5) / 1e5;
}
