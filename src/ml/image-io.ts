import { readFile } from 'node:fs/promises';
import { fromArrayBuffer, type GeoTIFFImage } from 'geotiff';
import sharp from 'sharp';
import type { RasterImage } from '../core/imagery/types';
import { MlError } from './errors';

/**
 * Image files in and out of 8-bit RGB(A) rasters: PNG, JPEG and WebP through sharp, TIFF and
 * GeoTIFF through geotiff (aerial 4-band RGB+NIR keeps bands 1–3; 16-bit bands are scaled to 8).
 * Anything else, or a damaged file, is refused with a message that says which.
 */

/** sharp's own default limit (0x3FFF × 0x3FFF): beyond it one image alone needs gigabytes. */
const MAX_PIXELS = 268_402_689;

type Format = 'png' | 'jpeg' | 'webp' | 'tiff';

function sniff(bytes: Uint8Array): Format | 'text' | null {
  const at = (i: number, ...values: number[]) => values.every((v, k) => bytes[i + k] === v);
  if (at(0, 0x89, 0x50, 0x4e, 0x47)) return 'png';
  if (at(0, 0xff, 0xd8, 0xff)) return 'jpeg';
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'webp';
  if (at(0, 0x49, 0x49, 0x2a, 0x00) || at(0, 0x4d, 0x4d, 0x00, 0x2a) || at(0, 0x49, 0x49, 0x2b, 0x00) || at(0, 0x4d, 0x4d, 0x00, 0x2b)) return 'tiff';
  const head = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart();
  if (head.startsWith('<') || head.startsWith('{')) return 'text';
  return null;
}

export async function readRaster(input: Buffer | Uint8Array | string): Promise<RasterImage> {
  const label = typeof input === 'string' ? input : 'The image';
  const bytes = typeof input === 'string' ? await readInputFile(input) : input;
  if (bytes.length === 0) throw new MlError('corrupt-image', `${label} is empty (0 bytes)`);
  const format = sniff(bytes);
  if (format === 'text') throw new MlError('unsupported-format', `${label} is a text document (HTML, XML or JSON), not an image: probably an error page saved in its place`);
  if (format === null) throw new MlError('unsupported-format', `${label} is not a PNG, JPEG, WebP or (Geo)TIFF image`);
  return format === 'tiff' ? readTiff(bytes, label) : readWithSharp(bytes, label, format);
}

async function readInputFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'there is no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new MlError('not-found', `Cannot read ${path}: ${why}`, { cause: error });
  }
}

async function readWithSharp(bytes: Uint8Array, label: string, format: Format): Promise<RasterImage> {
  try {
    const pipeline = sharp(bytes, { limitInputPixels: MAX_PIXELS });
    const { hasAlpha } = await pipeline.metadata();
    // Note: colourspace srgb gives 8 bits per channel from 16-bit PNGs and grey images alike.
    const shaped = pipeline.toColourspace('srgb');
    const { data, info } = await (hasAlpha ? shaped.ensureAlpha() : shaped.removeAlpha()).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, channels: info.channels === 4 ? 4 : 3, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    if (/pixel limit/i.test(message)) throw new MlError('unsupported-image', `${label} is larger than ${MAX_PIXELS.toLocaleString('en-US')} pixels`, { cause: error });
    throw new MlError('corrupt-image', `${label} looks like ${format.toUpperCase()} but cannot be decoded (damaged or cut short): ${message.split('\n')[0]}`, { cause: error });
  }
}

async function readTiff(bytes: Uint8Array, label: string): Promise<RasterImage> {
  let image: GeoTIFFImage;
  try {
    const tiff = await fromArrayBuffer(bytes.slice().buffer);
    // Note: image 0 is full resolution; later ones are overviews (NAIP files carry them).
    image = await tiff.getImage(0);
  } catch (error) {
    throw new MlError('corrupt-image', `${label} looks like TIFF but cannot be read: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
  const width = image.getWidth();
  const height = image.getHeight();
  if (!(width > 0 && height > 0)) throw new MlError('unsupported-image', `${label} has no pixels (${width}×${height})`);
  if (width * height > MAX_PIXELS) throw new MlError('unsupported-image', `${label} is ${width}×${height}, larger than ${MAX_PIXELS.toLocaleString('en-US')} pixels`);
  const bands = image.getSamplesPerPixel();
  const bits = image.getBitsPerSample(0);
  const sampleFormat = image.getSampleFormat(0);
  const directory = image.getFileDirectory() as unknown as TiffDirectory;
  const photometric = Number((await directory.loadValue('PhotometricInterpretation')) ?? 2);
  await checkBlocksInside(directory, bytes.length, label);
  try {
    // Palette, YCbCr, CMYK, Lab and white-is-zero: geotiff's own conversion to RGB.
    if (photometric !== 1 && photometric !== 2) {
      const rgb = await image.readRGB({ interleave: true, enableAlpha: false });
      return { width, height, channels: 3, data: Uint8Array.from(rgb as ArrayLike<number>) };
    }
    if (sampleFormat !== 1 || (bits !== 8 && bits !== 16)) {
      throw new MlError('unsupported-image', `${label} holds ${bits}-bit ${sampleFormat === 3 ? 'floating-point' : sampleFormat === 2 ? 'signed' : 'unsigned'} bands; Fish Mouth reads 8- and 16-bit unsigned imagery`);
    }
    const rasters = (await image.readRasters({ interleave: false })) as unknown as ArrayLike<number>[];
    const alpha = hasAlphaBand(await directory.loadValue('ExtraSamples'), bands, rasters);
    const colour = bands >= 3 ? [rasters[0]!, rasters[1]!, rasters[2]!] : [rasters[0]!, rasters[0]!, rasters[0]!];
    const planes = alpha ? [...colour, rasters[bands === 2 ? 1 : 3]!] : colour;
    const channels = planes.length as 3 | 4;
    const divisor = bits === 8 ? 1 : sixteenBitDivisor(colour);
    const data = new Uint8Array(width * height * channels);
    const clamped = new Uint8ClampedArray(data.buffer);
    for (let c = 0; c < channels; c++) {
      const plane = planes[c]!;
      const d = c === 3 && bits === 16 ? 257 : divisor;
      for (let i = 0; i < width * height; i++) clamped[i * channels + c] = plane[i]! / d;
    }
    return { width, height, channels, data };
  } catch (error) {
    if (error instanceof MlError) throw error;
    throw new MlError('corrupt-image', `${label}'s pixels cannot be decoded (damaged or cut short): ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
}

interface TiffDirectory {
  loadValue(name: string): Promise<unknown>;
}

/** Note: geotiff decodes strips past the end of a cut-short file as blank pixels instead of failing. */
async function checkBlocksInside(directory: TiffDirectory, fileBytes: number, label: string): Promise<void> {
  const tiled = (await directory.loadValue('TileOffsets')) !== undefined;
  const offsets = (await directory.loadValue(tiled ? 'TileOffsets' : 'StripOffsets')) as ArrayLike<number | bigint> | undefined;
  const counts = (await directory.loadValue(tiled ? 'TileByteCounts' : 'StripByteCounts')) as ArrayLike<number | bigint> | undefined;
  if (!offsets || !counts || offsets.length !== counts.length) throw new MlError('corrupt-image', `${label} is a TIFF without a valid table of its pixel ${tiled ? 'tiles' : 'strips'}`);
  for (let i = 0; i < offsets.length; i++) {
    const end = Number(offsets[i]) + Number(counts[i]);
    if (end > fileBytes) throw new MlError('corrupt-image', `${label} is a TIFF cut short: its pixel data runs to byte ${end.toLocaleString('en-US')} but the file has ${fileBytes.toLocaleString('en-US')} bytes`);
  }
}

/**
 * Note: NAIP's 4th band is near-infrared, yet some files label it "unassociated alpha". Only a
 * band that says alpha and holds nothing but fully on/off values is read as a mask.
 */
function hasAlphaBand(extraSamples: unknown, bands: number, rasters: ArrayLike<number>[]): boolean {
  if (bands !== 2 && bands !== 4) return false;
  const extra = extraSamples as ArrayLike<number> | number | undefined;
  const kind = typeof extra === 'number' ? extra : extra?.[0];
  if (kind !== 1 && kind !== 2) return false;
  const band = rasters[bands === 2 ? 1 : 3]!;
  const top = (1 << (rasters[0] instanceof Uint16Array ? 16 : 8)) - 1;
  for (let i = 0; i < band.length; i++) if (band[i] !== 0 && band[i] !== top) return false;
  return true;
}

/** 16-bit → 8-bit: full range, except 12-bit sensor data stored in 16 bits, which would look black. */
function sixteenBitDivisor(planes: ArrayLike<number>[]): number {
  let max = 0;
  for (const plane of planes) for (let i = 0; i < plane.length; i++) if (plane[i]! > max) max = plane[i]!;
  return max <= 4095 ? 4095 / 255 : 65535 / 255;
}

export async function encodePng(image: RasterImage): Promise<Buffer> {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } }).png().toBuffer();
}
