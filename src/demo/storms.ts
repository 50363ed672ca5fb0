import type { LatLng, LngLat } from '../core/domain/geo';
import type { WorldStormReport } from '../emulators/world';
import type { GridLayout } from './layout';
import { DEMO_COUNTY, DEMO_STATE, DEMO_TOWN, DEMO_WFO } from './names';
import { Stream, round7 } from './random';

/**
 * Storms over the demo town: a recent hail swath (the reason a rep is there this week), an older
 * one from earlier in the season, and one from last year, each with SPC-style hail reports
 * (0.75–2.75 in, larger near the core) and wind reports along its gust front.
 */

export interface HailSwath {
  /** UTC day of the storm, YYYY-MM-DD. */
  date: string;
  /** The swath outline: an elongated oval along the track, closed ring [lng, lat]. */
  polygon: LngLat[];
  /** Track ends, south-west to north-east. */
  track: [LngLat, LngLat];
  halfWidthM: number;
  maxHailInches: number;
  label: 'recent' | 'earlier this season' | 'last year';
}

/** SPC's usual sizes and the objects spotters compare hail to. */
const HAIL_SIZES: ReadonlyArray<readonly [number, string]> = [
  [0.75, 'Penny'],
  [0.88, 'Nickel'],
  [1.0, 'Quarter'],
  [1.25, 'Half dollar'],
  [1.5, 'Ping pong ball'],
  [1.75, 'Golf ball'],
  [2.0, 'Hen egg'],
  [2.5, 'Tennis ball'],
  [2.75, 'Baseball'],
];
const COMPASS = ['N', 'NNE', 'NE', 'ENE', 'E', 'ESE', 'SE', 'SSE', 'S', 'SSW', 'SW', 'WSW', 'W', 'WNW', 'NW', 'NNW'];
const REPORTERS = ['trained spotter', 'public via social media', 'law enforcement', 'storm chaser', 'emergency manager', 'broadcast media'];
const SEGMENTS = 24;

interface StormPlan {
  label: HailSwath['label'];
  daysBefore: number;
  /** Track offset from the town centre, as a fraction of the town's size. */
  sizeFactor: number;
  maxInches: number;
  reports: number;
  windReports: number;
  tornado: boolean;
}

export function generateStorms(seed: number, layout: GridLayout, asOf: Date): { swaths: HailSwath[]; reports: WorldStormReport[] } {
  const { u, v } = layout.sizeM;
  const townSize = Math.max(u, v);
  const houses = layout.houseCount;
  const plans: StormPlan[] = [
    { label: 'recent', daysBefore: 6, sizeFactor: 0.15, maxInches: 2.75, reports: clamp(Math.round(10 + houses / 3000), 10, 60), windReports: clamp(Math.round(3 + houses / 20000), 3, 10), tornado: false },
    { label: 'earlier this season', daysBefore: 74, sizeFactor: 0.12, maxInches: 1.5, reports: clamp(Math.round(4 + houses / 8000), 4, 20), windReports: 2, tornado: false },
    { label: 'last year', daysBefore: 372, sizeFactor: 0.15, maxInches: 1.75, reports: clamp(Math.round(5 + houses / 6000), 5, 25), windReports: 3, tornado: true },
  ];
  const swaths: HailSwath[] = [];
  const reports: WorldStormReport[] = [];
  plans.forEach((plan, k) => {
    const s = new Stream(seed, 'storm', k);
    const day = new Date(Date.UTC(asOf.getUTCFullYear(), asOf.getUTCMonth(), asOf.getUTCDate() - plan.daysBefore));
    // North Texas storms travel from the south-west; the track crosses the town off centre.
    const heading = ((s.between(30, 60) * Math.PI) / 180); // clockwise from north
    const across = s.between(-0.25, 0.25) * townSize;
    const length = townSize * s.between(1.6, 2.2);
    const halfWidth = Math.max(250, plan.sizeFactor * townSize * s.between(0.85, 1.15));
    const dir: [number, number] = [Math.sin(heading), Math.cos(heading)];
    const normal: [number, number] = [dir[1], -dir[0]];
    const centre: [number, number] = [normal[0] * across, normal[1] * across];
    const plainAt = (along: number, side: number): [number, number] => [centre[0] + dir[0] * along + normal[0] * side, centre[1] + dir[1] * along + normal[1] * side];
    const toLngLat = ([east, north]: [number, number]): LngLat => {
      const [lng, lat] = layout.fromPlain(east, north);
      return [round7(lng), round7(lat)];
    };
    const polygon: LngLat[] = [];
    for (let i = 0; i < SEGMENTS; i += 1) {
      const angle = (2 * Math.PI * i) / SEGMENTS;
      polygon.push(toLngLat(plainAt((Math.cos(angle) * length) / 2, Math.sin(angle) * halfWidth)));
    }
    polygon.push(polygon[0]!);
    const date = day.toISOString().slice(0, 10);
    swaths.push({ date, polygon, track: [toLngLat(plainAt(-length / 2, 0)), toLngLat(plainAt(length / 2, 0))], halfWidthM: Math.round(halfWidth), maxHailInches: plan.maxInches, label: plan.label });

    // The storm enters the town around 5–6 pm Central (22–23Z) and moves at 35–50 km/h.
    const startMs = day.getTime() + (22 * 60 + s.int(0, 50)) * 60_000;
    const speed = s.between(35, 50) / 3.6;
    const timeAt = (along: number) => new Date(startMs + ((along + length / 2) / speed) * 1000);
    const sizes = HAIL_SIZES.filter(([size]) => size <= plan.maxInches);
    for (let i = 0; i < plan.reports; i += 1) {
      // Uniform inside the oval: a radius by sqrt, then squeezed to the oval's axes (kept 8% inside the edge).
      const r = Math.sqrt(s.next()) * 0.92;
      const theta = s.between(0, 2 * Math.PI);
      const along = (Math.cos(theta) * r * length) / 2;
      const side = Math.sin(theta) * r * halfWidth;
      const core = 1 - Math.abs(side) / halfWidth;
      const sizeIndex = clamp(Math.round(core * core * (sizes.length - 1) + s.between(-1.2, 1.2)), 0, sizes.length - 1);
      const [size, object] = sizes[sizeIndex]!;
      const point = toLngLat(plainAt(along, side));
      reports.push({
        kind: 'hail',
        occurredAt: minuteIso(timeAt(along)),
        location: { lat: point[1], lng: point[0] },
        hailSizeInches: size,
        windSpeedKnots: null,
        tornadoScale: null,
        place: placeName(layout, point),
        county: DEMO_COUNTY.toUpperCase(),
        state: DEMO_STATE,
        comments: `${object} size hail reported by ${s.pick(REPORTERS)}. (${DEMO_WFO})`,
      });
    }
    for (let i = 0; i < plan.windReports; i += 1) {
      // The gust front runs ahead of and beside the hail core.
      const along = s.between(-0.45, 0.45) * length;
      const side = -halfWidth * s.between(0.6, 1.6);
      const point = toLngLat(plainAt(along, side));
      const knots = s.int(45, 70);
      reports.push({
        kind: 'wind',
        occurredAt: minuteIso(timeAt(along)),
        location: { lat: point[1], lng: point[0] },
        hailSizeInches: null,
        windSpeedKnots: knots,
        tornadoScale: null,
        place: placeName(layout, point),
        county: DEMO_COUNTY.toUpperCase(),
        state: DEMO_STATE,
        comments: s.pick(['Large tree limbs down.', 'Fence blown down and shingles removed from roof.', 'Measured gust at a home weather station.', 'Power lines down.']) + ` (${DEMO_WFO})`,
      });
    }
    if (plan.tornado) {
      const along = s.between(0.1, 0.4) * length;
      const point = toLngLat(plainAt(along, -halfWidth * 0.4));
      reports.push({
        kind: 'tornado',
        occurredAt: minuteIso(timeAt(along)),
        location: { lat: point[1], lng: point[0] },
        hailSizeInches: null,
        windSpeedKnots: null,
        tornadoScale: 'EF0',
        place: placeName(layout, point),
        county: DEMO_COUNTY.toUpperCase(),
        state: DEMO_STATE,
        comments: `Brief tornado touchdown in an open field; minor roof damage to two homes. (${DEMO_WFO})`,
      });
    }
  });
  reports.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.location.lat - b.location.lat || a.location.lng - b.location.lng);
  return { swaths, reports };
}

/** SPC style: "3 NNE Bramblecrest" (miles and direction from the town centre). */
function placeName(layout: GridLayout, point: LngLat): string {
  const [east, north] = layout.toPlain(point[0], point[1]);
  const miles = Math.round(Math.hypot(east, north) / 1609.344);
  if (miles === 0) return DEMO_TOWN;
  const bearing = (Math.atan2(east, north) * 180) / Math.PI;
  const sector = Math.round(((bearing + 360) % 360) / 22.5) % 16;
  return `${miles} ${COMPASS[sector]} ${DEMO_TOWN}`;
}

function minuteIso(date: Date): string {
  return `${date.toISOString().slice(0, 16)}:00Z`;
}

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, value));
}

/** Ray casting: is the point inside the closed ring? */
export function pointInRing(point: LatLng, ring: readonly LngLat[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > point.lat !== yj > point.lat && point.lng < ((xj - xi) * (point.lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
