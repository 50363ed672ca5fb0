import type { BBox, LngLat } from '../domain/geo';

/**
 * The shared vocabulary of imagery (browser-safe, types only): pixels in memory, where an image
 * lies on the ground, and how good it is. Every aerial image Fish Mouth handles is a Web
 * Mercator (EPSG:3857) grid: its box in metres maps linearly onto its pixels, as NAIP's
 * exportImage (bboxSR=imageSR=3857), Google Static Maps and Mapbox Static Images all deliver.
 */

/** 8-bit pixels, channels interleaved, rows top to bottom. */
export interface RasterImage {
  width: number;
  height: number;
  channels: 3 | 4;
  data: Uint8Array;
}

/** Web Mercator metres: [minX, minY, maxX, maxY] (x east, y north). */
export type MercatorBox = [number, number, number, number];

/** Where an image's pixels lie: the box its width × height pixels cover. */
export interface ImageGrid {
  box: MercatorBox;
  width: number;
  height: number;
}

/** A pixel rectangle inside an image. */
export interface PixelRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * A no-reference quality measure of an aerial image (quality.ts documents each part). Each part
 * is 0..1 where 1 is good, except the shares (cloud, noData), which are 0..1 fractions of pixels.
 */
export interface QualityReport {
  /** 0..1 overall: what the free-first chain compares with its quality target. */
  score: number;
  sharpness: number;
  noise: number;
  cloudShare: number;
  noDataShare: number;
  /** Ground resolution's contribution: 1 at ≤ 0.15 m/px, falling as pixels get coarser. */
  resolution: number;
  /** Plain words for a person: "too blurry to judge", "12% cloud"… */
  notes: string[];
}

/** A property as imagery needs it. */
export interface RoofTarget {
  propertyId: string;
  lat: number;
  lng: number;
  /** The building's outline [lng, lat], closed; null: only a point is known (a default-size box is used). */
  footprint: LngLat[] | null;
}

/** A licence-permitted cached image, as the cache returns it. */
export interface ImageryTile {
  id: string;
  source: string;
  blobSha256: string;
  mime: string;
  grid: ImageGrid;
  /** WGS84 bounds of the grid. */
  bbox: BBox;
  groundResolutionM: number;
  capturedAt: string | null;
  fetchedAt: string;
  /** null: never expires (public-domain imagery). */
  expiresAt: string | null;
  quality: number;
  bytes: number;
  lastUsedAt: string;
  batchId: string | null;
  requestCostMicros: number;
  attribution: string | null;
}

/** One line of a roof image's processing log. */
export interface ProcessingLogEntry {
  at: string;
  step: string;
  message: string;
}
