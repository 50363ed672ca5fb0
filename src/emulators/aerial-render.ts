import sharp from 'sharp';
import type { BBox, LngLat } from '../core/domain/geo';
import { EARTH_RADIUS_M, lngLatToMercator, mercatorBoxToBBox } from '../core/imagery/mercator';
import type { ImageGrid } from '../core/imagery/types';
import type { World, WorldBuilding } from './world';

/**
 * A synthetic aerial photograph of a World, for the imagery emulators (NAIP, Google, Mapbox):
 *
 *   renderAerial(world, grid, style, options?) → Promise<Buffer>  (PNG, grid.width × grid.height)
 *
 * Ground texture (grass and soil noise), streets between parcels, lawns, trees, and each building
 * as a roof: colour from its paid record's material, two shaded facets with a ridge line, a cast
 * shadow, and — the older the roof — dark streaks and patchy granules (what a roof-condition model
 * should find). Everything is a function of ground position in Web Mercator metres, never of the
 * request: the same box gives the same pixels, and two overlapping boxes agree where they overlap,
 * so batch images, their crops and mosaics of parts all show the same roofs.
 *
 * 'naip' renders at the requested size (coarse when the grid is coarse), muted and a little soft
 * like NAIP's 0.6 m orthophotos; 'satellite' is the crisper, more saturated paid look.
 */

export type AerialStyle = 'naip' | 'satellite';

export interface RenderAerialOptions {
  /** The year roof ages are counted to; default: the current UTC year. */
  asOfYear?: number;
}

/** Half a street width, in metres: parcel edges closer than twice this read as a street between them. */
const STREET_HALF_WIDTH_M = 11.5;
/** World objects this far outside the box may still reach into it (tree crowns, shadows, streets). */
const SEARCH_MARGIN_M = 40;
/** Mercator metres (about 9 m of ground in Texas). */
const TREE_CELL_M = 11;
const MAX_PIXELS = 8000 * 8000;

type Rgb = readonly [number, number, number];

export async function renderAerial(world: World, grid: ImageGrid, style: AerialStyle, options: RenderAerialOptions = {}): Promise<Buffer> {
  const { width, height } = grid;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width * height > MAX_PIXELS) {
    throw new RangeError(`An aerial render must be 1 to 8000 × 8000 whole pixels, got ${width} × ${height}.`);
  }
  const [minX, minY, maxX, maxY] = grid.box;
  if (![minX, minY, maxX, maxY].every(Number.isFinite) || maxX <= minX || maxY <= minY) {
    throw new RangeError(`An aerial render needs a box with min < max, got [${grid.box.join(', ')}].`);
  }
  const frame = new Frame(grid);
  const asOfYear = options.asOfYear ?? new Date().getUTCFullYear();
  const searchBox = widenedBBox(grid, SEARCH_MARGIN_M);
  const buildings = world.buildingsIn(searchBox);
  const parcels = world.parcelsIn(searchBox);

  const svg = sceneSvg(world, frame, buildings, parcels.map((parcel) => parcel.ring), style, asOfYear);
  const overlay = await sharp(Buffer.from(svg), { density: 72 }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const pixels = composeOverGround(frame, overlay.data, overlay.info.channels, style);
  let image = sharp(pixels, { raw: { width, height, channels: 3 } });
  // Note: NAIP is resampled from 0.6 m (or coarser) orthophotos: a little optical softness.
  if (style === 'naip') image = image.blur(0.4);
  return image.png({ compressionLevel: 6 }).toBuffer();
}

/** Mercator metres ↔ image pixels for one grid. */
class Frame {
  readonly minX: number;
  readonly maxY: number;
  readonly mppX: number;
  readonly mppY: number;
  /** Mercator metres per ground metre at the box's centre (1 / cos lat). */
  readonly stretch: number;

  constructor(readonly grid: ImageGrid) {
    const [minX, minY, maxX, maxY] = grid.box;
    this.minX = minX;
    this.maxY = maxY;
    this.mppX = (maxX - minX) / grid.width;
    this.mppY = (maxY - minY) / grid.height;
    const [, south, , north] = mercatorBoxToBBox(grid.box);
    this.stretch = 1 / Math.cos((((south + north) / 2) * Math.PI) / 180);
  }

  /** Pixel position of a Mercator point (fractional). */
  px(x: number, y: number): [number, number] {
    return [(x - this.minX) / this.mppX, (this.maxY - y) / this.mppY];
  }

  /** Pixels spanned by a length of ground metres. */
  metres(m: number): number {
    return (m * this.stretch) / this.mppX;
  }
}

function widenedBBox(grid: ImageGrid, metres: number): BBox {
  const [minX, minY, maxX, maxY] = grid.box;
  const pad = metres * 1.5; // Mercator metres; generous up to ±48° latitude
  return mercatorBoxToBBox([minX - pad, minY - pad, maxX + pad, maxY + pad]);
}

// ---------------------------------------------------------------------------------------------
// The SVG scene: streets, lawns, trees, shadows, roofs.

function sceneSvg(world: World, frame: Frame, buildings: WorldBuilding[], parcelRings: LngLat[][], style: AerialStyle, asOfYear: number): string {
  const { width, height } = frame.grid;
  const parts: string[] = [];
  const defs: string[] = [];
  const path = (ring: readonly LngLat[]) => ringPath(frame, ring);

  if (parcelRings.length > 0) {
    // Streets: each parcel's edge widened by half a street; lawns painted over them.
    const street = style === 'naip' ? '#6e6c68' : '#5f6163';
    const streetWidth = f(frame.metres(2 * STREET_HALF_WIDTH_M));
    parts.push(`<g fill="none" stroke="${street}" stroke-width="${streetWidth}" stroke-linejoin="round">${parcelRings.map((ring) => `<path d="${path(ring)}"/>`).join('')}</g>`);
    const lawn = style === 'naip' ? '#7d8a55' : '#5f8a3c';
    parts.push(`<g fill="${lawn}" fill-opacity="0.55" stroke="#8d8f86" stroke-opacity="0.35" stroke-width="${f(frame.metres(0.3))}">${parcelRings.map((ring) => `<path d="${path(ring)}"/>`).join('')}</g>`);
  }

  const footprints = buildings.map((building) => mercatorRing(building.ring));
  parts.push(treeCanopies(frame, footprints, parcelRings.map(mercatorRing), style));

  // Cast shadows (sun in the south-west: shadows fall north-east), then the roofs over them.
  const shadowDx = frame.metres(1.4);
  parts.push(`<g fill="#101410" fill-opacity="${style === 'naip' ? 0.3 : 0.42}" transform="translate(${f(shadowDx)} ${f(-shadowDx)})">${buildings.map((b) => `<path d="${path(b.ring)}"/>`).join('')}</g>`);
  buildings.forEach((building, index) => parts.push(roofSvg(world, frame, building, footprints[index]!, style, asOfYear, defs, index)));

  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" shape-rendering="geometricPrecision"><defs>${defs.join('')}</defs>${parts.join('')}</svg>`;
}

function roofSvg(world: World, frame: Frame, building: WorldBuilding, ring: [number, number][], style: AerialStyle, asOfYear: number, defs: string[], index: number): string {
  const record = world.propertyRecordAt(building.centroid);
  const material = record?.roofMaterial ?? building.tags['roof:material'] ?? 'asphalt shingle';
  const seed = building.osmWayId;
  const age = record ? Math.max(0, asOfYear - record.roofInstalledYear) : 12;
  // 0 for a roof under 8 years, 1 at 30 years and beyond.
  const weathering = clamp((age - 8) / 22, 0, 1);
  const base = roofColour(material, seed, weathering, style);
  const clipId = `r${index}`;
  const d = ringPath(frame, building.ring);
  defs.push(`<clipPath id="${clipId}"><path d="${d}"/></clipPath>`);

  const axis = mainAxis(ring);
  const [cx, cy] = frame.px(axis.centre[0], axis.centre[1]);
  const angle = (Math.atan2(-axis.dir[1], axis.dir[0]) * 180) / Math.PI; // pixel y runs down
  const halfLong = frame.metres(axis.halfLength / frame.stretch) + 4;
  const halfShort = frame.metres(axis.halfWidth / frame.stretch) + 4;
  const rotate = `rotate(${f(angle)} ${f(cx)} ${f(cy)})`;
  const out: string[] = [`<path d="${d}" fill="${hex(base)}"/>`, `<g clip-path="url(#${clipId})">`];
  // The facet facing away from the sun, darker; the ridge between the facets, lighter.
  out.push(`<rect x="${f(cx - halfLong)}" y="${f(cy)}" width="${f(2 * halfLong)}" height="${f(halfShort)}" fill="#000" fill-opacity="0.2" transform="${rotate}"/>`);
  if (style === 'satellite') {
    // Shingle courses along the ridge: the fine grain a sharp image shows.
    const course = frame.metres(0.35);
    if (course >= 1.2) {
      const lines: string[] = [];
      for (let y = cy - halfShort; y < cy + halfShort; y += course) lines.push(`M${f(cx - halfLong)} ${f(y)}H${f(cx + halfLong)}`);
      out.push(`<path d="${lines.join('')}" stroke="#000" stroke-opacity="0.1" stroke-width="${f(Math.max(0.4, course * 0.25))}" transform="${rotate}"/>`);
    }
  }
  out.push(weatheringMarks(frame, seed, weathering, cx, cy, halfLong, halfShort, rotate));
  out.push(`</g>`);
  const ridgeHalf = Math.max(0, halfLong - 4 - Math.max(0, halfShort - 4) * 0.6);
  out.push(`<path d="M${f(cx - ridgeHalf)} ${f(cy)}H${f(cx + ridgeHalf)}" stroke="${hex(mix(base, [235, 235, 230], 0.35))}" stroke-width="${f(Math.max(0.6, frame.metres(0.3)))}" transform="${rotate}"/>`);
  return out.join('');
}

/** Dark streaks running down the slopes and patchy granule loss, growing with the roof's age. */
function weatheringMarks(frame: Frame, seed: number, weathering: number, cx: number, cy: number, halfLong: number, halfShort: number, rotate: string): string {
  if (weathering <= 0) return '';
  const streaks: string[] = [];
  const streakCount = Math.round(4 + weathering * 18);
  const streakWidth = Math.max(0.6, frame.metres(0.45));
  for (let k = 0; k < streakCount; k += 1) {
    const x = cx - halfLong + hash01(seed, k, 11) * 2 * halfLong;
    const from = cy + (hash01(seed, k, 12) - 0.5) * halfShort * 0.4;
    const length = halfShort * (0.4 + 0.6 * hash01(seed, k, 13)) * (hash01(seed, k, 14) < 0.5 ? -1 : 1);
    streaks.push(`M${f(x)} ${f(from)}v${f(length)}`);
  }
  const patches: string[] = [];
  const patchCount = Math.round(weathering * 26);
  for (let k = 0; k < patchCount; k += 1) {
    const x = cx - halfLong + hash01(seed, k, 21) * 2 * halfLong;
    const y = cy - halfShort + hash01(seed, k, 22) * 2 * halfShort;
    const r = Math.max(0.7, frame.metres(0.4 + hash01(seed, k, 23) * 1.1));
    const light = hash01(seed, k, 24) < 0.35;
    patches.push(`<circle cx="${f(x)}" cy="${f(y)}" r="${f(r)}" fill="${light ? '#d8d2c4' : '#15130f'}" fill-opacity="${f(0.12 + weathering * (light ? 0.18 : 0.3))}"/>`);
  }
  return `<g transform="${rotate}"><path d="${streaks.join('')}" stroke="#14120e" stroke-opacity="${f(0.18 + weathering * 0.35)}" stroke-width="${f(streakWidth)}" stroke-linecap="round"/>${patches.join('')}</g>`;
}

function roofColour(material: string, seed: number, weathering: number, style: AerialStyle): Rgb {
  const m = material.toLowerCase();
  let colour: Rgb;
  if (m.includes('metal') || m.includes('steel')) colour = [176, 181, 184];
  else if (m.includes('clay') || m.includes('terracotta')) colour = [178, 94, 62];
  else if (m.includes('tile')) colour = pick([[150, 116, 98], [128, 122, 116], [160, 104, 80]], seed);
  else if (m.includes('wood') || m.includes('shake')) colour = [124, 98, 72];
  else if (m.includes('architectural')) colour = pick([[78, 74, 72], [92, 80, 68], [70, 72, 78]], seed);
  else colour = pick([[96, 92, 90], [112, 100, 86], [84, 82, 84], [122, 110, 96]], seed);
  // Old roofs fade towards a dusty grey.
  colour = mix(colour, [136, 132, 122], 0.3 * weathering);
  return style === 'naip' ? mix(colour, [150, 145, 130], 0.15) : colour;
}

function treeCanopies(frame: Frame, footprints: [number, number][][], parcels: [number, number][][], style: AerialStyle): string {
  const [minX, minY, maxX, maxY] = frame.grid.box;
  // Note: lattice cells are fixed in Mercator metres (never scaled by the box's latitude), so
  // every box — a batch, its crop, a part of a mosaic — puts each tree in the same place.
  const cell = TREE_CELL_M;
  const pad = 8;
  const boxes = footprints.map(ringBox);
  const parcelBoxes = parcels.map(ringBox);
  const crowns: string[] = [];
  const highlights: string[] = [];
  for (let i = Math.floor((minX - pad) / cell); i <= Math.floor((maxX + pad) / cell); i += 1) {
    for (let j = Math.floor((minY - pad) / cell); j <= Math.floor((maxY + pad) / cell); j += 1) {
      // Trees grow in yards where there are parcels, sparsely on open land where there are none.
      if (hash01(i, j, 1) > (parcels.length > 0 ? 0.42 : 0.12)) continue;
      const x = (i + 0.15 + 0.7 * hash01(i, j, 2)) * cell;
      const y = (j + 0.15 + 0.7 * hash01(i, j, 3)) * cell;
      const stretch = Math.cosh(y / EARTH_RADIUS_M); // 1 / cos(latitude) at the tree
      const radius = (1.8 + 2.6 * hash01(i, j, 4)) * stretch;
      const clearance = radius + 1.2 * stretch;
      if (boxes.some((b) => x > b[0] - clearance && x < b[2] + clearance && y > b[1] - clearance && y < b[3] + clearance)) continue;
      if (parcels.length > 0 && !parcels.some((ring, k) => inBox(x, y, parcelBoxes[k]!) && inRing(x, y, ring))) continue;
      const [px, py] = frame.px(x, y);
      const r = radius / frame.mppX;
      crowns.push(`<circle cx="${f(px)}" cy="${f(py)}" r="${f(r)}"/>`);
      highlights.push(`<circle cx="${f(px - r * 0.25)}" cy="${f(py + r * 0.2)}" r="${f(r * 0.55)}"/>`);
    }
  }
  const dark = style === 'naip' ? '#3f5230' : '#2c4a22';
  const light = style === 'naip' ? '#5d6e40' : '#4f7a34';
  const shadow = frame.metres(1.6);
  return (
    `<g fill="#0c120a" fill-opacity="0.35" transform="translate(${f(shadow)} ${f(-shadow)})">${crowns.join('')}</g>` +
    `<g fill="${dark}">${crowns.join('')}</g><g fill="${light}" fill-opacity="0.6">${highlights.join('')}</g>`
  );
}

// ---------------------------------------------------------------------------------------------
// The ground under the scene: value noise at absolute Mercator positions, plus sensor grain.

function composeOverGround(frame: Frame, overlay: Buffer, channels: number, style: AerialStyle): Buffer {
  const { width, height } = frame.grid;
  const out = Buffer.allocUnsafe(width * height * 3);
  const grass: Rgb = style === 'naip' ? [118, 124, 84] : [96, 120, 62];
  const soil: Rgb = style === 'naip' ? [146, 134, 104] : [140, 120, 86];
  const grain = style === 'naip' ? 2 : 3;
  // Noise cells in Mercator metres (fixed, like the tree lattice): ~14 m patches of soil and
  // grass, ~2 m tufts, ~0.3 m grain.
  const patch = 17;
  const tuft = 2.4;
  const fine = 0.3;
  const xs = new Float64Array(width);
  for (let x = 0; x < width; x += 1) xs[x] = frame.minX + (x + 0.5) * frame.mppX;
  for (let y = 0; y < height; y += 1) {
    const my = frame.maxY - (y + 0.5) * frame.mppY;
    for (let x = 0; x < width; x += 1) {
      const mx = xs[x]!;
      const share = smooth(valueNoise(mx / patch, my / patch, 5));
      const shade = (valueNoise(mx / tuft, my / tuft, 6) - 0.5) * 22;
      const speck = (hash01(Math.floor(mx / fine), Math.floor(my / fine), 7) - 0.5) * 2 * grain;
      // Detail at about a metre: mottled lawns, shingle courses, gravel — what a real photo's
      // edges and texture are made of (a render without it reads as blurred to any sharpness measure).
      let detail = (valueNoise(mx / DETAIL_M, my / DETAIL_M, 8) - 0.5) * 2 * DETAIL_LEVELS;
      // The paid look resolves single shingles and blades of grass: detail at 0.2 m as well.
      // NAIP is flown in summer and some passes catch cumulus: a few roofs lie under cloud, the
      // free image cannot judge them, and the chain has to look further (a paid image) for them.
      const haze = style === 'naip' ? cloudCover(mx, my) : 0;
      if (style === 'satellite') detail += (valueNoise(mx / FINE_DETAIL_M, my / FINE_DETAIL_M, 9) - 0.5) * 2 * FINE_DETAIL_LEVELS;
      const o = (y * width + x) * channels;
      const alpha = overlay[o + 3]! / 255;
      const p = (y * width + x) * 3;
      for (let c = 0; c < 3; c += 1) {
        const ground = grass[c]! + (soil[c]! - grass[c]!) * share + shade;
        const value = ground * (1 - alpha) + overlay[o + c]! * alpha + speck + detail;
        const seen = haze > 0 ? value * (1 - haze) + CLOUD_WHITE * haze : value;
        out[p + c] = seen < 0 ? 0 : seen > 255 ? 255 : seen;
      }
    }
  }
  return out;
}

const CLOUD_WHITE = 246;
/** Clouds: a ~600 m field of which the densest ~7% is covered (soft-edged), fixed on the ground. */
function cloudCover(mx: number, my: number): number {
  const field = valueNoise(mx / 600, my / 600, 11) * 0.7 + valueNoise(mx / 150, my / 150, 12) * 0.3;
  return clamp((field - 0.74) / 0.06, 0, 1);
}

const DETAIL_M = 1.2;
const DETAIL_LEVELS = 30;
const FINE_DETAIL_M = 0.3;
const FINE_DETAIL_LEVELS = 40;

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

function valueNoise(x: number, y: number, salt: number): number {
  const ix = Math.floor(x);
  const iy = Math.floor(y);
  const fx = smooth(x - ix);
  const fy = smooth(y - iy);
  const a = hash01(ix, iy, salt);
  const b = hash01(ix + 1, iy, salt);
  const c = hash01(ix, iy + 1, salt);
  const d = hash01(ix + 1, iy + 1, salt);
  return a + (b - a) * fx + (c - a) * fy + (a - b - c + d) * fx * fy;
}

/** A well-mixed integer hash of three integers, in [0, 1). */
function hash01(a: number, b: number, salt: number): number {
  let h = Math.imul(a | 0, 0x27d4eb2d) ^ Math.imul(b | 0, 0x165667b1) ^ Math.imul(salt | 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4_294_967_296;
}

// ---------------------------------------------------------------------------------------------
// Small geometry in Mercator metres.

function mercatorRing(ring: readonly LngLat[]): [number, number][] {
  return ring.map((point) => lngLatToMercator(point));
}

function ringPath(frame: Frame, ring: readonly LngLat[]): string {
  return (
    ring
      .map((point, k) => {
        const [x, y] = lngLatToMercator(point);
        const [px, py] = frame.px(x, y);
        return `${k === 0 ? 'M' : 'L'}${f(px)} ${f(py)}`;
      })
      .join('') + 'Z'
  );
}

/** The footprint's long axis (from its longest edge), its centre and half extents along and across it, in Mercator metres. */
function mainAxis(ring: [number, number][]): { centre: [number, number]; dir: [number, number]; halfLength: number; halfWidth: number } {
  let best: [number, number] = [1, 0];
  let bestLength = -1;
  for (let k = 0; k + 1 < ring.length; k += 1) {
    const dx = ring[k + 1]![0] - ring[k]![0];
    const dy = ring[k + 1]![1] - ring[k]![1];
    const length = Math.hypot(dx, dy);
    if (length > bestLength) [best, bestLength] = [[dx / length, dy / length], length];
  }
  let minU = Infinity;
  let maxU = -Infinity;
  let minV = Infinity;
  let maxV = -Infinity;
  for (const [x, y] of ring) {
    const u = x * best[0] + y * best[1];
    const v = -x * best[1] + y * best[0];
    [minU, maxU, minV, maxV] = [Math.min(minU, u), Math.max(maxU, u), Math.min(minV, v), Math.max(maxV, v)];
  }
  const u = (minU + maxU) / 2;
  const v = (minV + maxV) / 2;
  const centre: [number, number] = [u * best[0] - v * best[1], u * best[1] + v * best[0]];
  return { centre, dir: best, halfLength: (maxU - minU) / 2, halfWidth: (maxV - minV) / 2 };
}

function ringBox(ring: [number, number][]): [number, number, number, number] {
  let box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of ring) box = [Math.min(box[0], x), Math.min(box[1], y), Math.max(box[2], x), Math.max(box[3], y)];
  return box;
}

function inBox(x: number, y: number, box: [number, number, number, number]): boolean {
  return x >= box[0] && x <= box[2] && y >= box[1] && y <= box[3];
}

function inRing(x: number, y: number, ring: [number, number][]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

function pick(colours: readonly Rgb[], seed: number): Rgb {
  return colours[Math.abs(seed) % colours.length]!;
}

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

function hex([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((c) => Math.round(clamp(c, 0, 255)).toString(16).padStart(2, '0')).join('')}`;
}

/** Two decimals: enough for sub-pixel placement, short SVG. */
function f(value: number): string {
  return (Math.round(value * 100) / 100).toString();
}
