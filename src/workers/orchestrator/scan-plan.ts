import type { ScanOptions, ScanStage } from '../../core/contracts/scan-api';
import type { ScrapeTask } from '../../core/contracts/scraper-contract';
import { MAX_BBOX_DEGREES, type BBox } from '../../core/domain/geo';

/**
 * The plan of a scan as step keys, derived from the run's box and options alone, so planning again
 * after a restart names exactly the same steps (planScanSteps ignores the ones it already has).
 *
 *   scrape   buildings:<tile>, parcels:<tile> (when a county layer is chosen), permits:territory
 *            (when a permit portal is chosen),
 *            spc:<day> for each recent day, ncei:<year> for this year (and last, early in the year)
 *   census   <tile>
 *   enrich   <tile>
 *   paid     <property id> — planned from the enrich results (incomplete properties only)
 *   summary  summary
 */

export interface Tile {
  key: string;
  row: number;
  col: number;
  bbox: BBox;
}

const round = (value: number) => Math.round(value * 1e7) / 1e7;

/**
 * Tiles of at most `degrees` each way, covering the box exactly. Edges are shared; the scraper's
 * repositories merge what two tiles both return, so a building on an edge is still one property.
 */
export function tilesOf(bbox: BBox, degrees: number): Tile[] {
  const [west, south, east, north] = bbox;
  const cols = Math.max(1, Math.ceil((east - west) / degrees - 1e-9));
  const rows = Math.max(1, Math.ceil((north - south) / degrees - 1e-9));
  const width = (east - west) / cols;
  const height = (north - south) / rows;
  const tiles: Tile[] = [];
  for (let row = 0; row < rows; row += 1) {
    for (let col = 0; col < cols; col += 1) {
      const tile: BBox = [
        round(west + col * width),
        round(south + row * height),
        col === cols - 1 ? east : round(west + (col + 1) * width),
        row === rows - 1 ? north : round(south + (row + 1) * height),
      ];
      // Zero-padded so the store's key order is the plan's order.
      tiles.push({ key: `r${String(row).padStart(3, '0')}c${String(col).padStart(3, '0')}`, row, col, bbox: tile });
    }
  }
  return tiles;
}

/** The recent SPC convective days to read: the `days` days before `now` (UTC), oldest first. */
export function recentDays(now: Date, days: number): string[] {
  const result: string[] = [];
  for (let back = days; back >= 1; back -= 1) {
    result.push(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - back)).toISOString().slice(0, 10));
  }
  return result;
}

/** NCEI publishes a year's file as the year goes; early in a year last year's is the useful one too. */
export function stormYears(now: Date): number[] {
  const year = now.getUTCFullYear();
  return now.getUTCMonth() < 3 ? [year - 1, year] : [year];
}

export interface ScrapePlanInput {
  bbox: BBox;
  options: ScanOptions;
  /** The county layer to read parcels from, or null when none is chosen. */
  county: string | null;
  /** The permit portal to read, or null when none is chosen. */
  permitPortal: string | null;
  /** When the run was created: the recent days and years are counted from it, so a resumed run plans the same days. */
  createdAt: Date;
}

/**
 * In the order they run: storms (small), then tile by tile, then the permits. Note: permits come
 * last so that each finds its property by its address at once (the repository's slower street and
 * distance matching is for records whose property is not there yet).
 */
export function scrapeStepKeys(input: ScrapePlanInput): string[] {
  const tiles = tilesOf(input.bbox, input.options.tileDegrees);
  return [
    ...recentDays(input.createdAt, input.options.stormDays).map((day) => `spc:${day}`),
    ...stormYears(input.createdAt).map((year) => `ncei:${year}`),
    ...tiles.flatMap((tile) => [`buildings:${tile.key}`, ...(input.county ? [`parcels:${tile.key}`] : [])]),
    ...(input.permitPortal ? ['permits:territory'] : []),
  ];
}

/** The scraper task a scrape step key stands for; null for a key this version does not know. */
export function scrapeTaskOf(key: string, input: ScrapePlanInput): ScrapeTask | null {
  const [kind, rest] = splitKey(key);
  switch (kind) {
    case 'buildings':
    case 'parcels': {
      const tile = tilesOf(input.bbox, input.options.tileDegrees).find((candidate) => candidate.key === rest);
      if (!tile) return null;
      if (kind === 'buildings') return { kind, bbox: tile.bbox };
      return input.county ? { kind, bbox: tile.bbox, county: input.county } : null;
    }
    case 'permits':
      return input.permitPortal ? { kind: 'permits', bbox: input.bbox, portal: input.permitPortal } : null;
    case 'spc':
      return /^\d{4}-\d{2}-\d{2}$/.test(rest) ? { kind: 'spc', bbox: stormBox(input.bbox), day: rest } : null;
    case 'ncei':
      return /^\d{4}$/.test(rest) ? { kind: 'ncei', bbox: stormBox(input.bbox), year: Number(rest) } : null;
    default:
      return null;
  }
}

/**
 * Storm reports are kept a little beyond the territory: hail that fell two miles outside it says
 * as much about its roofs as hail inside. About 10 km each way, less where the box would exceed
 * the largest box a scan accepts.
 */
export const STORM_MARGIN_DEGREES = 0.1;

export function stormBox(bbox: BBox): BBox {
  const [west, south, east, north] = bbox;
  const marginLng = Math.max(0, Math.min(STORM_MARGIN_DEGREES, (MAX_BBOX_DEGREES - (east - west)) / 2));
  const marginLat = Math.max(0, Math.min(STORM_MARGIN_DEGREES, (MAX_BBOX_DEGREES - (north - south)) / 2));
  return [
    round(Math.max(-180, west - marginLng)),
    round(Math.max(-90, south - marginLat)),
    round(Math.min(180, east + marginLng)),
    round(Math.min(90, north + marginLat)),
  ];
}

function splitKey(key: string): [string, string] {
  const at = key.indexOf(':');
  return at < 0 ? [key, ''] : [key.slice(0, at), key.slice(at + 1)];
}

/** How many steps of a stage may run at once: sources are rate-limited anyway; this bounds the work in flight. */
export const STAGE_CONCURRENCY: Record<ScanStage, number> = {
  scrape: 3,
  census: 1,
  enrich: 2,
  paid: 4,
  // Note: one imagery step is a whole batch (up to 25 roofs); two at a time keep both cores busy
  // (one fetching and cropping while ml-inference enhances the other's crops).
  imagery: 2,
  // One step is a chunk of a few hundred properties; the lead-generator works one at a time.
  leads: 1,
  summary: 1,
};
