import sharp from 'sharp';
import { BlobStore } from '../../src/core/blob-store';
import type { RasterImage } from '../../src/core/imagery/types';
import type { Db } from '../../src/core/store';
import { openSuperResolver } from '../../src/ml/super-resolution';
import type { SrScale } from '../../src/ml/types';

/**
 * The speed anchor of bench/pipeline: super-resolution of the scan's own roof crops, measured
 * directly in the bench process with `openSuperResolver` (the ONNX model the ml-inference service
 * runs, same defaults: provider, threads, tiles), in groups of 16 as the image-processor's
 * EnhanceQueue sends them. It is what the imagery stage could reach if it only enhanced crops:
 * no fetching, cropping, quality scoring, blob writes or inter-thread copies.
 *
 *   superResolutionAnchor(db, dataDir, { crops: 48 }) → crops a second, input MP a second, or null
 *   when the scan kept no enhanced crop
 */

export interface SrAnchorFigures {
  name: string;
  model: string;
  provider: string;
  scale: SrScale;
  crops: number;
  inputMegapixels: number;
  seconds: number;
  cropsPerSecond: number;
  inputMegapixelsPerSecond: number;
}

const GROUP = 16;

export async function superResolutionAnchor(db: Db, dataDir: string, options: { crops: number }): Promise<SrAnchorFigures | null> {
  const rows = db
    .prepare('SELECT image_sha256 AS sha, enhanced_scale AS scale FROM roof_images WHERE image_sha256 IS NOT NULL AND enhanced_sha256 IS NOT NULL ORDER BY property_id LIMIT ?')
    .all(options.crops) as Array<{ sha: string; scale: SrScale }>;
  if (rows.length === 0) return null;
  const scale = rows[0]!.scale;
  const blobs = new BlobStore({ db, dataDir });
  const images: RasterImage[] = [];
  for (const row of rows.filter((candidate) => candidate.scale === scale)) {
    const blob = await blobs.get(row.sha);
    if (!blob) continue;
    const { data, info } = await sharp(blob.bytes).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    images.push({ width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
  }
  if (images.length === 0) return null;
  const resolver = await openSuperResolver({ scale });
  try {
    await resolver.enhance(images[0]!); // warm-up: the first run sizes the session's buffers
    const started = performance.now();
    for (let at = 0; at < images.length; at += GROUP) await resolver.enhanceMany(images.slice(at, at + GROUP));
    const seconds = (performance.now() - started) / 1000;
    const inputMegapixels = images.reduce((sum, image) => sum + image.width * image.height, 0) / 1e6;
    return {
      name: `ONNX super-resolution ×${scale} of the scan's own crops, measured directly (groups of ${GROUP})`,
      model: resolver.model.id,
      provider: resolver.provider,
      scale,
      crops: images.length,
      inputMegapixels: Math.round(inputMegapixels * 1000) / 1000,
      seconds: Math.round(seconds * 1000) / 1000,
      cropsPerSecond: Math.round((images.length / seconds) * 100) / 100,
      inputMegapixelsPerSecond: Math.round((inputMegapixels / seconds) * 1000) / 1000,
    };
  } finally {
    await resolver.close();
  }
}
