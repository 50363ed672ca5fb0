import type { RasterImage } from '../core/imagery/types';

/**
 * The super-resolution API every caller uses (ml-inference service, `fishmouth enhance`,
 * benches). Implemented in super-resolution.ts on onnxruntime-node.
 */

export type SrScale = 2 | 4;

/** onnxruntime-node execution provider names, in the order they are tried. */
export type ExecutionProviderName = 'cuda' | 'dml' | 'coreml' | 'cpu';

export interface SrModelInfo {
  /** e.g. 'esrgan-slim-x4@1.0.0' */
  id: string;
  scale: SrScale;
  path: string;
  sha256: string;
  /** Multiply-adds ×2 per input pixel (FLOPs = this × input width × height). */
  flopsPerInputPixel: number;
  source: string;
  licence: string;
}

export interface EnhanceOptions {
  /** Input tile edge in pixels (default 128, the size the model was trained on). */
  tileSize?: number;
  /** Overlap between neighbouring tiles in input pixels, blended across (default 12). */
  overlap?: number;
  /** Tiles per model run (default 4); tiles of several images share a run in enhanceMany. */
  tilesPerRun?: number;
  /** Checked between model runs; an aborted call rejects with an MlError of kind 'cancelled'. */
  signal?: AbortSignal;
  /** Called after each tile: done and total tiles over the whole call. */
  onProgress?: (done: number, total: number) => void;
}

export interface SuperResolver {
  readonly model: SrModelInfo;
  /** The execution provider in use, chosen at open time. */
  readonly provider: ExecutionProviderName;
  /** Enhance one image (RGB or RGBA; alpha is upscaled plainly). Output is width×scale by height×scale. */
  enhance(image: RasterImage, options?: EnhanceOptions): Promise<RasterImage>;
  /** Enhance several images, batching tiles across them into one model run per batch. */
  enhanceMany(images: RasterImage[], options?: EnhanceOptions): Promise<RasterImage[]>;
  close(): Promise<void>;
}
