import sharp from 'sharp';
import type { RasterImage } from '../core/imagery/types';
import { cancelled, MlError } from './errors';
import { defaultModelsDir, loadSrModel } from './model-files';
import { openModelSession, type ModelSession } from './onnx-session';
import { planTiles, TileAssembler, tileToPlanar, type Tile, type TilePlan } from './tiling';
import type { EnhanceOptions, ExecutionProviderName, SrScale, SuperResolver } from './types';

/**
 * ESRGAN-slim super-resolution on ONNX Runtime: images of any size are cut into overlapping
 * tiles, tiles (of one or several images) run through the model a batch at a time, and the
 * upscaled tiles are blended back with linear feathering. Memory stays bounded by the batch and
 * one band of tile rows per image, never the whole image as one tensor.
 */

export interface OpenSuperResolverOptions {
  scale: SrScale;
  /** Folder with manifest.json and the .onnx files (default: the app's or checkout's models/). */
  modelsDir?: string;
  /** Providers to try, best first (default: what this machine offers); CPU is always the fallback. */
  providers?: ExecutionProviderName[];
  intraOpThreads?: number;
  /** Told when a GPU provider is skipped or fails and the CPU takes over. */
  onProviderFallback?: (provider: ExecutionProviderName, reason: string) => void;
}

export const DEFAULT_TILE_SIZE = 128;
export const DEFAULT_OVERLAP = 12;
/** Tiles per model run: 4 × 128² tiles keep one ×4 run under ~200 MB. */
export const DEFAULT_TILES_PER_RUN = 4;

export async function openSuperResolver(options: OpenSuperResolverOptions): Promise<SuperResolver> {
  const model = await loadSrModel(options.modelsDir ?? defaultModelsDir(), options.scale);
  const session = await openModelSession(model.bytes, {
    ...(options.providers ? { providers: options.providers } : {}),
    ...(options.intraOpThreads ? { intraOpThreads: options.intraOpThreads } : {}),
    ...(options.onProviderFallback ? { onProviderFallback: options.onProviderFallback } : {}),
  });
  let closed = false;
  // Note: one call at a time through the session, so memory is one batch, not one per caller.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new MlError('inference-failed', 'This super-resolver was closed'));
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    model: model.info,
    get provider() {
      return session.provider;
    },
    enhance: (image, enhanceOptions) => serial(async () => (await enhanceImages(session, options.scale, [image], enhanceOptions ?? {}))[0]!),
    enhanceMany: (images, enhanceOptions) => serial(() => enhanceImages(session, options.scale, images, enhanceOptions ?? {})),
    close: async () => {
      if (closed) return;
      closed = true;
      await queue;
      await session.close();
    },
  };
}

interface ImageJob {
  image: RasterImage;
  plan: TilePlan;
  assembler: TileAssembler;
}

/** The tiled enhancement itself, on an open session (openSuperResolver wraps it; tests count its runs). */
export async function enhanceImages(session: ModelSession, scale: SrScale, images: RasterImage[], options: EnhanceOptions): Promise<RasterImage[]> {
  const tileSize = options.tileSize ?? DEFAULT_TILE_SIZE;
  const overlap = options.overlap ?? DEFAULT_OVERLAP;
  const perRun = options.tilesPerRun ?? DEFAULT_TILES_PER_RUN;
  if (!Number.isInteger(perRun) || perRun < 1) throw new MlError('invalid-option', `Tiles per run must be a whole number of at least 1, not ${perRun}`);
  if (!Number.isInteger(tileSize) || tileSize < 8) throw new MlError('invalid-option', `Tile size ${tileSize} is too small (at least 8 pixels)`);
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= tileSize / 2) throw new MlError('invalid-option', `Overlap ${overlap} must be a whole number below half the tile size (${tileSize})`);
  images.forEach((image, index) => checkImage(image, index, scale));
  if (options.signal?.aborted) throw cancelled('Enhancement');

  const jobs: ImageJob[] = images.map((image) => {
    const plan = planTiles(image.width, image.height, tileSize, overlap);
    return { image, plan, assembler: new TileAssembler(image.width, image.height, plan, overlap, scale) };
  });
  // Tiles of the same shape (from any image) share one tensor: group them, keeping each image's order.
  const groups = new Map<string, { job: ImageJob; tile: Tile }[]>();
  for (const job of jobs) {
    const key = `${job.plan.tileWidth}x${job.plan.tileHeight}`;
    const group = groups.get(key) ?? [];
    for (const tile of job.plan.tiles) group.push({ job, tile });
    groups.set(key, group);
  }
  const total = jobs.reduce((n, j) => n + j.plan.tiles.length, 0);
  let done = 0;
  for (const group of groups.values()) {
    const { width, height } = group[0]!.tile;
    const inPlane = 3 * width * height;
    const outPlane = inPlane * scale * scale;
    for (let at = 0; at < group.length; at += perRun) {
      if (options.signal?.aborted) throw cancelled('Enhancement');
      const batch = group.slice(at, at + perRun);
      const input = new Float32Array(batch.length * inPlane);
      batch.forEach(({ job, tile }, i) => tileToPlanar(job.image, tile, input, i * inPlane));
      const output = await session.run(input, [batch.length, 3, height, width]);
      if (output.data.length !== batch.length * outPlane) {
        throw new MlError('inference-failed', `The model returned ${output.dims.join('×')} for ${batch.length} tiles of ${width}×${height}; expected ×${scale}`);
      }
      batch.forEach(({ job, tile }, i) => job.assembler.add(tile, output.data, i * outPlane));
      for (let i = 0; i < batch.length; i++) options.onProgress?.(++done, total);
    }
  }
  return Promise.all(jobs.map((job) => finishImage(job, scale)));
}

/** sharp's pixel limit: a larger result could not be written as PNG (and would need gigabytes). */
export const MAX_OUTPUT_PIXELS = 268_402_689;

function checkImage(image: RasterImage, index: number, scale: SrScale): void {
  const { width, height, channels, data } = image;
  const valid = Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0 && (channels === 3 || channels === 4) && data?.length === width * height * channels;
  if (!valid) {
    throw new MlError('unsupported-image', `Image ${index + 1} is not ${width}×${height} pixels of ${channels} channels (${data?.length ?? 0} bytes); an enhanceable image is 8-bit RGB or RGBA`);
  }
  if (width * height * scale * scale > MAX_OUTPUT_PIXELS) {
    throw new MlError('unsupported-image', `Image ${index + 1} (${width}×${height}) would be ${width * scale}×${height * scale} after ×${scale}, more than ${MAX_OUTPUT_PIXELS.toLocaleString('en-US')} pixels: crop it or enhance it in parts`);
  }
}

async function finishImage(job: ImageJob, scale: SrScale): Promise<RasterImage> {
  const rgb = job.assembler.finish();
  const { image } = job;
  const width = image.width * scale;
  const height = image.height * scale;
  if (image.channels === 3) return { width, height, channels: 3, data: rgb };
  const alpha = await upscaleAlpha(image, scale);
  const data = new Uint8Array(width * height * 4);
  for (let i = 0, j = 0; i < width * height; i++, j += 3) {
    data[i * 4] = rgb[j]!;
    data[i * 4 + 1] = rgb[j + 1]!;
    data[i * 4 + 2] = rgb[j + 2]!;
    data[i * 4 + 3] = alpha[i]!;
  }
  return { width, height, channels: 4, data };
}

/** Alpha is a mask, not a picture: it is resized plainly, never through the model. */
async function upscaleAlpha(image: RasterImage, scale: SrScale): Promise<Uint8Array> {
  const count = image.width * image.height;
  const alpha = new Uint8Array(count);
  let binary = true;
  for (let i = 0; i < count; i++) {
    const a = image.data[i * 4 + 3]!;
    alpha[i] = a;
    if (a !== 0 && a !== 255) binary = false;
  }
  // Note: an on/off mask (no-data edges) stays on/off with nearest; soft alpha is interpolated.
  const resized = await sharp(alpha, { raw: { width: image.width, height: image.height, channels: 1 } })
    .resize(image.width * scale, image.height * scale, { kernel: binary ? 'nearest' : 'linear', fit: 'fill' })
    // Note: sharp would hand a one-band image back as sRGB (three bands) without this.
    .extractChannel(0)
    .raw()
    .toBuffer();
  return new Uint8Array(resized.buffer, resized.byteOffset, resized.length);
}
