import type { BBox, LatLng, LngLat } from '../core/domain/geo';
import { round7 } from './random';

/**
 * The street grid of the demo town, as arithmetic: house index ⇄ block, row and lot ⇄ local
 * metres ⇄ longitude/latitude. Nothing is stored per house, so a town of a million houses costs
 * no more memory here than one of a hundred.
 *
 * Local frame: u runs along the residential streets (east–west before rotation), v across them.
 * Each block holds two back-to-back rows of LOTS_PER_ROW lots; the bottom row faces the street
 * below it, the top row the street above. Avenues (no houses) separate blocks along u. The whole
 * grid is rotated by `rotationDeg` about the town centre, as suburban plats often are.
 */

export const LOT_WIDTH_M = 20;
export const LOT_DEPTH_M = 36;
export const LOTS_PER_ROW = 12;
export const HOUSES_PER_BLOCK = 2 * LOTS_PER_ROW;
export const STREET_WIDTH_M = 18;
export const AVENUE_WIDTH_M = 22;
export const BLOCK_PITCH_U = LOTS_PER_ROW * LOT_WIDTH_M + AVENUE_WIDTH_M;
export const BLOCK_PITCH_V = 2 * LOT_DEPTH_M + STREET_WIDTH_M;
const METRES_PER_DEGREE_LAT = 111_320;

export interface LotSlot {
  index: number;
  blockCol: number;
  blockRow: number;
  /** 0: faces the street below (south side of the block); 1: faces the street above. */
  row: 0 | 1;
  /** 0..LOTS_PER_ROW-1, west to east. */
  lot: number;
  /** The street the house faces. */
  street: number;
}

export class GridLayout {
  readonly blockCols: number;
  readonly blockRows: number;
  /** Residential streets, south to north: one below each block row and one above the last. */
  readonly streetCount: number;
  private readonly cosRot: number;
  private readonly sinRot: number;
  private readonly metresPerDegreeLng: number;
  private readonly originU: number;
  private readonly originV: number;

  constructor(
    readonly houseCount: number,
    readonly centre: LatLng,
    readonly rotationDeg: number,
  ) {
    const blocks = Math.max(1, Math.ceil(houseCount / HOUSES_PER_BLOCK));
    // Roughly square: blockCols × pitchU ≈ blockRows × pitchV.
    this.blockCols = Math.max(1, Math.round(Math.sqrt((blocks * BLOCK_PITCH_V) / BLOCK_PITCH_U)));
    this.blockRows = Math.ceil(blocks / this.blockCols);
    this.streetCount = this.blockRows + 1;
    const rad = (rotationDeg * Math.PI) / 180;
    this.cosRot = Math.cos(rad);
    this.sinRot = Math.sin(rad);
    this.metresPerDegreeLng = METRES_PER_DEGREE_LAT * Math.cos((centre.lat * Math.PI) / 180);
    this.originU = (this.blockCols * BLOCK_PITCH_U) / 2;
    this.originV = (this.blockRows * BLOCK_PITCH_V) / 2;
  }

  slot(index: number): LotSlot {
    const block = Math.floor(index / HOUSES_PER_BLOCK);
    const within = index % HOUSES_PER_BLOCK;
    const row = within < LOTS_PER_ROW ? 0 : 1;
    const blockRow = Math.floor(block / this.blockCols);
    return { index, blockCol: block % this.blockCols, blockRow, row, lot: within % LOTS_PER_ROW, street: blockRow + row };
  }

  /** The house facing `street` on the given side at the given lot, or null where there is none. */
  indexAt(street: number, side: 'north' | 'south', blockCol: number, lot: number): number | null {
    if (blockCol < 0 || blockCol >= this.blockCols || lot < 0 || lot >= LOTS_PER_ROW) return null;
    // North of a street: the bottom row of the block row above it; south: the top row below it.
    const blockRow = side === 'north' ? street : street - 1;
    const row = side === 'north' ? 0 : 1;
    if (blockRow < 0 || blockRow >= this.blockRows) return null;
    const index = (blockRow * this.blockCols + blockCol) * HOUSES_PER_BLOCK + row * LOTS_PER_ROW + lot;
    return index < this.houseCount ? index : null;
  }

  /**
   * US-style numbering: a hundred per block eastwards, odd numbers on the north side, even on the
   * south, four apart between neighbours. Invertible, so an address finds its house.
   */
  houseNumber(slot: LotSlot): number {
    return (slot.blockCol + 1) * 100 + slot.lot * 4 + (slot.row === 0 ? 1 : 2);
  }

  /** The inverse of houseNumber for a given street, or null. */
  indexForNumber(street: number, houseNumber: number): number | null {
    const blockCol = Math.floor(houseNumber / 100) - 1;
    const rest = houseNumber % 100;
    const side = rest % 4;
    if (side !== 1 && side !== 2) return null;
    return this.indexAt(street, side === 1 ? 'north' : 'south', blockCol, (rest - side) / 4);
  }

  /** The lot rectangle in local metres: [u0, v0, u1, v1]. */
  lotBounds(slot: LotSlot): [number, number, number, number] {
    const u0 = slot.blockCol * BLOCK_PITCH_U + slot.lot * LOT_WIDTH_M;
    const v0 = slot.blockRow * BLOCK_PITCH_V + slot.row * LOT_DEPTH_M;
    return [u0, v0, u0 + LOT_WIDTH_M, v0 + LOT_DEPTH_M];
  }

  /** Local metres (grid frame) to [lng, lat], rounded as OSM stores them. */
  toLngLat(u: number, v: number): LngLat {
    const x = u - this.originU;
    const y = v - this.originV;
    const east = x * this.cosRot - y * this.sinRot;
    const north = x * this.sinRot + y * this.cosRot;
    return [round7(this.centre.lng + east / this.metresPerDegreeLng), round7(this.centre.lat + north / METRES_PER_DEGREE_LAT)];
  }

  /** [lng, lat] to local metres (grid frame). */
  toLocal(lng: number, lat: number): [number, number] {
    const east = (lng - this.centre.lng) * this.metresPerDegreeLng;
    const north = (lat - this.centre.lat) * METRES_PER_DEGREE_LAT;
    const x = east * this.cosRot + north * this.sinRot;
    const y = -east * this.sinRot + north * this.cosRot;
    return [x + this.originU, y + this.originV];
  }

  /** Metres east and north of the centre: the plain (unrotated) frame the spatial index uses. */
  toPlain(lng: number, lat: number): [number, number] {
    return [(lng - this.centre.lng) * this.metresPerDegreeLng, (lat - this.centre.lat) * METRES_PER_DEGREE_LAT];
  }

  fromPlain(east: number, north: number): LngLat {
    return [this.centre.lng + east / this.metresPerDegreeLng, this.centre.lat + north / METRES_PER_DEGREE_LAT];
  }

  /** Local rectangle to a closed ring of [lng, lat], counter-clockwise. */
  ring(u0: number, v0: number, u1: number, v1: number): LngLat[] {
    const first = this.toLngLat(u0, v0);
    return [first, this.toLngLat(u1, v0), this.toLngLat(u1, v1), this.toLngLat(u0, v1), first];
  }

  /** The whole grid, streets included, with a margin: the territory's box. */
  bbox(marginM = 60): BBox {
    const corners = [
      this.toLngLat(-marginM, -marginM - STREET_WIDTH_M),
      this.toLngLat(this.blockCols * BLOCK_PITCH_U + marginM, -marginM - STREET_WIDTH_M),
      this.toLngLat(this.blockCols * BLOCK_PITCH_U + marginM, this.blockRows * BLOCK_PITCH_V + marginM),
      this.toLngLat(-marginM, this.blockRows * BLOCK_PITCH_V + marginM),
    ];
    const lngs = corners.map((c) => c[0]);
    const lats = corners.map((c) => c[1]);
    return [round7(Math.min(...lngs)), round7(Math.min(...lats)), round7(Math.max(...lngs)), round7(Math.max(...lats))];
  }

  /** Width and height of the grid in metres (unrotated). */
  get sizeM(): { u: number; v: number } {
    return { u: this.blockCols * BLOCK_PITCH_U, v: this.blockRows * BLOCK_PITCH_V };
  }
}
