import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromArrayBuffer } from 'geotiff';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePng, readRaster } from './image-io';

const FIXTURES = '/work/shared/fixtures/aerial-imagery';
const HRO = join(FIXTURES, 'riotiler_hro_colorado_201404_13SED190110_0x1500m_CL_1.tif');
const NAIP = join(FIXTURES, 'opengeos_naip_m_4709963_se_14_1_20200831.tif');
const UCM = join(FIXTURES, 'ucmerced/ucm_denseresidential01.png');
const root = mkdtempSync(join(tmpdir(), 'fishmouth-image-io-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** An uncompressed little-endian RGB TIFF with 16-bit samples (sharp cannot write one from raw input). */
function rgb16Tiff(width: number, height: number, samples: number[]): Buffer {
  const entries: [number, number, number, number][] = [
    [256, 3, 1, width], [257, 3, 1, height], [258, 3, 3, 0], [259, 3, 1, 1], [262, 3, 1, 2],
    [273, 4, 1, 0], [277, 3, 1, 3], [278, 3, 1, height], [279, 4, 1, samples.length * 2], [284, 3, 1, 1],
  ];
  const ifd = 8;
  const bitsAt = ifd + 2 + entries.length * 12 + 4;
  const pixelsAt = bitsAt + 6;
  entries[2]![3] = bitsAt;
  entries[5]![3] = pixelsAt;
  const out = Buffer.alloc(pixelsAt + samples.length * 2);
  out.write('II', 0, 'latin1');
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(ifd, 4);
  out.writeUInt16LE(entries.length, ifd);
  entries.forEach(([tag, type, count, value], i) => {
    const at = ifd + 2 + i * 12;
    out.writeUInt16LE(tag, at);
    out.writeUInt16LE(type, at + 2);
    out.writeUInt32LE(count, at + 4);
    if (type === 3 && count === 1) out.writeUInt16LE(value, at + 8);
    else out.writeUInt32LE(value, at + 8);
  });
  [16, 16, 16].forEach((b, i) => out.writeUInt16LE(b, bitsAt + i * 2));
  samples.forEach((v, i) => out.writeUInt16LE(v, pixelsAt + i * 2));
  return out;
}

describe('reading images', () => {
  it('reads a PNG aerial tile as 8-bit RGB', async () => {
    const image = await readRaster(UCM);
    expect([image.width, image.height, image.channels, image.data.length]).toEqual([256, 256, 3, 256 * 256 * 3]);
  });

  it('reads the Colorado HRO GeoTIFF with the same pixels as its PNG rendering', async () => {
    const tiff = await readRaster(HRO);
    const png = await readRaster(join(FIXTURES, 'derived_riotiler_hro_colorado_13SED190110.png'));
    expect([tiff.width, tiff.height, tiff.channels]).toEqual([383, 232, 3]);
    expect(Buffer.from(tiff.data).equals(Buffer.from(png.data))).toBe(true);
  });

  it('reads the 4-band NAIP GeoTIFF as its red, green and blue bands (NIR dropped)', async () => {
    const bytes = readFileSync(NAIP);
    const image = await readRaster(bytes);
    expect([image.width, image.height, image.channels]).toEqual([934, 723, 3]);
    const raw = await (await fromArrayBuffer(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length))).getImage(0);
    const bands = (await raw.readRasters({ interleave: false })) as unknown as Uint8Array[];
    for (const i of [0, 4242, 934 * 723 - 1]) {
      expect([image.data[i * 3], image.data[i * 3 + 1], image.data[i * 3 + 2]]).toEqual([bands[0]![i], bands[1]![i], bands[2]![i]]);
    }
  });

  it('scales 16-bit TIFF bands to 8 bits', async () => {
    const full = await readRaster(rgb16Tiff(2, 1, [0, 32768, 65535, 65535, 0, 257]));
    expect(Array.from(full.data)).toEqual([0, 128, 255, 255, 0, 1]);
    // 12-bit camera values stored in 16 bits are stretched from 0..4095, not left near black.
    const twelveBit = await readRaster(rgb16Tiff(1, 1, [4095, 2048, 0]));
    expect(Array.from(twelveBit.data)).toEqual([255, 128, 0]);
  });

  it('reads JPEG, WebP and grey PNG as RGB', async () => {
    const source = sharp(UCM).extract({ left: 0, top: 0, width: 40, height: 30 });
    for (const bytes of [await source.clone().jpeg().toBuffer(), await source.clone().webp().toBuffer(), await source.clone().greyscale().png().toBuffer()]) {
      const image = await readRaster(bytes);
      expect([image.width, image.height, image.channels, image.data.length]).toEqual([40, 30, 3, 40 * 30 * 3]);
    }
  });

  it('keeps alpha from a PNG with transparency', async () => {
    const png = await encodePng({ width: 2, height: 1, channels: 4, data: new Uint8Array([10, 20, 30, 0, 40, 50, 60, 255]) });
    expect(await readRaster(png)).toEqual({ width: 2, height: 1, channels: 4, data: new Uint8Array([10, 20, 30, 0, 40, 50, 60, 255]) });
  });

  it.each([
    ['a missing file', () => readRaster(join(root, 'nope.png')), 'not-found', /no such file/],
    ['an empty file', () => readRaster(Buffer.alloc(0)), 'corrupt-image', /empty/],
    ['an HTML error page', () => readRaster(Buffer.from('<!DOCTYPE html><html><body>502 Bad Gateway</body></html>')), 'unsupported-format', /error page/],
    ['a GIF', () => readRaster(Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1')), 'unsupported-format', /not a PNG, JPEG, WebP or \(Geo\)TIFF/],
    ['a PNG cut short', () => readRaster(readFileSync(UCM).subarray(0, 5000)), 'corrupt-image', /looks like PNG but cannot be decoded/],
    ['a GeoTIFF cut short', () => readRaster(readFileSync(HRO).subarray(0, 20_000)), 'corrupt-image', /TIFF cut short: its pixel data runs to byte/],
  ])('refuses %s with a clear error', async (_name, read, kind, message) => {
    await expect(read()).rejects.toMatchObject({ kind, message: expect.stringMatching(message) });
  });
});

describe('writing PNG', () => {
  it('round-trips RGB pixels exactly', async () => {
    const image = await readRaster(UCM);
    const path = join(root, 'out.png');
    writeFileSync(path, await encodePng(image));
    expect(Buffer.from((await readRaster(path)).data).equals(Buffer.from(image.data))).toBe(true);
  });
});
