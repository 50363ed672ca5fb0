import type { RasterImage } from '../core/imagery/types';

/**
 * Tiles for super-resolution: where they sit, how much each output pixel of a tile counts when
 * neighbours overlap (linear feathering), and a row-band assembler that blends finished tiles
 * into the 8-bit result while holding floats for only one band of tile rows at a time.
 *
 * Note: every tile of one image has the same size (the last row and column end exactly at the
 * image edge), so tiles share one tensor shape and batch together, and no tile needs padding:
 * the model only ever sees real pixels.
 */

export interface Tile {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface TilePlan {
  tileWidth: number;
  tileHeight: number;
  /** Row-major: all tiles of a tile row before the next row. */
  tiles: Tile[];
  columns: number[];
  rows: number[];
}

/**
 * Note: the fewest tiles of at most `maxTile` that overlap by at least `overlap`, each as small
 * as that allows: a 256-pixel crop is 3 tiles of 94 (282 pixels run), not 3 of 128 (384).
 */
function axis(length: number, maxTile: number, overlap: number): { tile: number; starts: number[] } {
  if (length <= maxTile) return { tile: length, starts: [0] };
  const count = Math.ceil((length - overlap) / (maxTile - overlap));
  const tile = Math.ceil((length + (count - 1) * overlap) / count);
  const starts = Array.from({ length: count - 1 }, (_, i) => i * (tile - overlap));
  starts.push(length - tile);
  return { tile, starts };
}

export function planTiles(width: number, height: number, tileSize: number, overlap: number): TilePlan {
  const { tile: tileWidth, starts: columns } = axis(width, tileSize, overlap);
  const { tile: tileHeight, starts: rows } = axis(height, tileSize, overlap);
  const tiles = rows.flatMap((y) => columns.map((x) => ({ x, y, width: tileWidth, height: tileHeight })));
  return { tileWidth, tileHeight, tiles, columns, rows };
}

/**
 * How much each output pixel along one axis of a tile counts. 1 inside; across an edge shared
 * with a neighbour it ramps linearly, and the outermost quarter of the overlap counts (almost)
 * nothing: there the model saw zero padding instead of the neighbouring pixels.
 */
export function featherWeights(start: number, tile: number, length: number, overlap: number, scale: number): Float32Array {
  const weights = new Float32Array(tile * scale).fill(1);
  if (overlap <= 0) return weights;
  const margin = Math.floor(overlap / 4);
  const span = Math.max(1, overlap - 2 * margin);
  const ramp = (distance: number) => Math.min(1, Math.max(1e-4, (distance - margin) / span));
  const sharedBefore = start > 0;
  const sharedAfter = start + tile < length;
  for (let p = 0; p < weights.length; p++) {
    const u = (p + 0.5) / scale; // centre of this output pixel, in input pixels from the tile's start
    let w = 1;
    if (sharedBefore) w = Math.min(w, ramp(u));
    if (sharedAfter) w = Math.min(w, ramp(tile - u));
    weights[p] = w;
  }
  return weights;
}

/** The tile's RGB pixels as a planar float tensor (C×H×W), written into `out` at `offset`. */
export function tileToPlanar(image: RasterImage, tile: Tile, out: Float32Array, offset: number): void {
  const plane = tile.width * tile.height;
  const { data, width, channels } = image;
  for (let y = 0; y < tile.height; y++) {
    let source = ((tile.y + y) * width + tile.x) * channels;
    const row = offset + y * tile.width;
    for (let x = 0; x < tile.width; x++, source += channels) {
      out[row + x] = data[source]!;
      out[row + plane + x] = data[source + 1]!;
      out[row + 2 * plane + x] = data[source + 2]!;
    }
  }
}

/** Blends upscaled tiles (arriving in plan order) into an RGB image `scale` times larger. */
export class TileAssembler {
  readonly output: Uint8Array;
  private readonly clamped: Uint8ClampedArray;
  private readonly outWidth: number;
  private readonly outHeight: number;
  private readonly bandRows: number;
  /** Per output pixel of the band: r, g, b sums and the weight sum. */
  private band: Float32Array;
  private bandTop = 0;
  private readonly columnWeights = new Map<number, Float32Array>();
  private readonly rowWeights = new Map<number, Float32Array>();

  constructor(
    private readonly width: number,
    private readonly height: number,
    private readonly plan: TilePlan,
    private readonly overlap: number,
    private readonly scale: number,
  ) {
    this.outWidth = width * scale;
    this.outHeight = height * scale;
    this.output = new Uint8Array(this.outWidth * this.outHeight * 3);
    this.clamped = new Uint8ClampedArray(this.output.buffer);
    this.bandRows = plan.tileHeight * scale;
    this.band = new Float32Array(this.outWidth * this.bandRows * 4);
  }

  /** `data` holds the tile's planar RGB output (3 × tileHeight·scale × tileWidth·scale) from `offset`. */
  add(tile: Tile, data: Float32Array, offset: number): void {
    const s = this.scale;
    const top = tile.y * s;
    if (top !== this.bandTop) this.advanceBandTo(top);
    const wx = this.weights(this.columnWeights, tile.x, tile.width, this.width);
    const wy = this.weights(this.rowWeights, tile.y, tile.height, this.height);
    const tw = tile.width * s;
    const plane = tw * tile.height * s;
    const band = this.band;
    for (let q = 0; q < tile.height * s; q++) {
      const rowWeight = wy[q]!;
      let at = (q * this.outWidth + tile.x * s) * 4;
      let from = offset + q * tw;
      for (let p = 0; p < tw; p++, at += 4, from++) {
        const w = rowWeight * wx[p]!;
        band[at] = band[at]! + w * data[from]!;
        band[at + 1] = band[at + 1]! + w * data[from + plane]!;
        band[at + 2] = band[at + 2]! + w * data[from + 2 * plane]!;
        band[at + 3] = band[at + 3]! + w;
      }
    }
  }

  /** Writes out every row still held; call once after the last tile. */
  finish(): Uint8Array {
    this.flushRows(Math.min(this.bandRows, this.outHeight - this.bandTop));
    return this.output;
  }

  private weights(cache: Map<number, Float32Array>, start: number, tile: number, length: number): Float32Array {
    let w = cache.get(start);
    if (!w) cache.set(start, (w = featherWeights(start, tile, length, this.overlap, this.scale)));
    return w;
  }

  /** Rows above `top` get no more tiles: write them out, keep the overlap rows. */
  private advanceBandTo(top: number): void {
    const finished = top - this.bandTop;
    this.flushRows(finished);
    const keep = this.band.subarray(finished * this.outWidth * 4);
    this.band.copyWithin(0, finished * this.outWidth * 4);
    this.band.fill(0, keep.length);
    this.bandTop = top;
  }

  private flushRows(rows: number): void {
    for (let r = 0; r < rows; r++) {
      let from = r * this.outWidth * 4;
      let to = (this.bandTop + r) * this.outWidth * 3;
      for (let x = 0; x < this.outWidth; x++, from += 4, to += 3) {
        const w = this.band[from + 3]!;
        // Note: a clamped view rounds to the nearest level and never wraps past 255.
        this.clamped[to] = this.band[from]! / w;
        this.clamped[to + 1] = this.band[from + 1]! / w;
        this.clamped[to + 2] = this.band[from + 2]! / w;
      }
    }
  }
}
