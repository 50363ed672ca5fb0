import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import sharp from 'sharp';
import type { RasterImage } from '../../src/core/imagery/types';

/**
 * The real aerial images the super-resolution benches run on (../shared/fixtures/aerial-imagery,
 * see its SOURCES.md), read with sharp:
 *
 *   aerialFixturesDir()     → FISHMOUTH_FIXTURES/aerial-imagery, else ../shared/fixtures/aerial-imagery
 *   loadAerialSamples(dir)  → the residential images (RGB), plus the files left out and why
 */

export interface AerialSample {
  /** File path relative to the fixtures folder, e.g. 'ucmerced/ucm_denseresidential01.png'. */
  name: string;
  image: RasterImage;
  groundResolutionM: number;
  /** sha256 of the decoded RGB pixels: two files with the same pixels are one scene. */
  pixelSha256: string;
  /** Set when an earlier sample has exactly the same pixels (the HRO .tif and its derived .png). */
  samePixelsAs: string | null;
}

export interface ExcludedFixture {
  name: string;
  reason: string;
}

export function aerialFixturesDir(): string {
  return join(process.env.FISHMOUTH_FIXTURES ?? resolve('../shared/fixtures'), 'aerial-imagery');
}

const HRO_TIF = 'riotiler_hro_colorado_201404_13SED190110_0x1500m_CL_1.tif';
const HRO_PNG = 'derived_riotiler_hro_colorado_13SED190110.png';
const NAIP_5M_TIF = 'opengeos_naip_m_4709963_se_14_1_20200831.tif';

/** Ground resolution of each known file (SOURCES.md); UC Merced tiles are 1 ft per pixel. */
function groundResolutionOf(name: string): number | null {
  if (name.startsWith('ucmerced/')) return 0.3048;
  if (name === HRO_TIF || name === HRO_PNG) return 0.15;
  if (name === NAIP_5M_TIF) return 5;
  return null;
}

/** Any image sharp reads, as 8-bit RGB: extra bands (alpha, NAIP's near-infrared) are dropped. */
export async function readRgb(file: string): Promise<RasterImage> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  if (info.channels < 3) throw new Error(`${basename(file)} has ${info.channels} band(s); an RGB image is needed`);
  const rgb = new Uint8Array(info.width * info.height * 3);
  for (let p = 0, q = 0; q < rgb.length; p += info.channels, q += 3) {
    rgb[q] = data[p]!;
    rgb[q + 1] = data[p + 1]!;
    rgb[q + 2] = data[p + 2]!;
  }
  return { width: info.width, height: info.height, channels: 3, data: rgb };
}

/**
 * The residential images at rooftop scale (UC Merced 0.3 m, HRO 0.15 m) in a stable order.
 * Note: the 5 m NAIP tile is excluded, with its reason in the report: at 5 m a pixel is bigger
 * than most roofs, and ×4 down to 20 m leaves fields, not buildings — the model is never asked
 * to enhance imagery that coarse (NAIP as Fish Mouth fetches it is 0.6 m).
 */
export async function loadAerialSamples(dir: string): Promise<{ samples: AerialSample[]; excluded: ExcludedFixture[] }> {
  if (!existsSync(dir)) throw new Error(`No aerial fixtures at ${dir}: set FISHMOUTH_FIXTURES to the folder holding aerial-imagery/`);
  const names = [
    ...readdirSync(dir).filter((f) => /\.(png|tif|tiff)$/i.test(f)).sort(),
    ...(existsSync(join(dir, 'ucmerced')) ? readdirSync(join(dir, 'ucmerced')).filter((f) => /\.png$/i.test(f)).sort().map((f) => `ucmerced/${f}`) : []),
  ];
  const samples: AerialSample[] = [];
  const excluded: ExcludedFixture[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const groundResolutionM = groundResolutionOf(name);
    if (name === NAIP_5M_TIF) {
      excluded.push({ name, reason: '5 m per pixel (a downsampled NAIP quad of rural fields): coarser than a roof, and ×4 down is 20 m; Fish Mouth only enhances ≤ 0.6 m imagery' });
      continue;
    }
    if (groundResolutionM === null) {
      excluded.push({ name, reason: 'not listed in SOURCES.md, so its ground resolution is unknown' });
      continue;
    }
    const image = await readRgb(join(dir, name));
    const pixelSha256 = createHash('sha256').update(image.data).digest('hex');
    samples.push({ name, image, groundResolutionM, pixelSha256, samePixelsAs: seen.get(pixelSha256) ?? null });
    if (!seen.has(pixelSha256)) seen.set(pixelSha256, name);
  }
  return { samples, excluded };
}
