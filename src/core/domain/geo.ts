import { z } from 'zod';

/**
 * Geographic shapes shared by connectors, the store and the UI (browser-safe). Coordinates are
 * WGS84 degrees in GeoJSON order: [longitude, latitude]. Absurd coordinates are refused here, at
 * every boundary, so nothing downstream has to wonder.
 */

export const latitudeSchema = z.number().finite().min(-90, 'latitude must be from -90 to 90').max(90, 'latitude must be from -90 to 90');
export const longitudeSchema = z.number().finite().min(-180, 'longitude must be from -180 to 180').max(180, 'longitude must be from -180 to 180');

export const lngLatSchema = z.tuple([longitudeSchema, latitudeSchema]);
export type LngLat = z.infer<typeof lngLatSchema>;

export const pointSchema = z.object({ lat: latitudeSchema, lng: longitudeSchema });
export type LatLng = z.infer<typeof pointSchema>;

/** The largest box a scan accepts: about a large county (≈ 1.5° × 1.5°). */
export const MAX_BBOX_DEGREES = 1.5;

/** [west, south, east, north]; must not cross the antimeridian, and must be of territory size. */
export const bboxSchema = z
  .tuple([longitudeSchema, latitudeSchema, longitudeSchema, latitudeSchema])
  .refine(([w, , e]) => w < e, 'west must be less than east')
  .refine(([, s, , n]) => s < n, 'south must be less than north')
  .refine(([w, s, e, n]) => e - w <= MAX_BBOX_DEGREES && n - s <= MAX_BBOX_DEGREES, `a territory box may span at most ${MAX_BBOX_DEGREES}° each way`);
export type BBox = z.infer<typeof bboxSchema>;

/** A closed ring of at least four positions (first equals last). */
export const linearRingSchema = z
  .array(lngLatSchema)
  .min(4, 'a polygon ring needs at least four positions')
  .refine((ring) => ring[0]![0] === ring[ring.length - 1]![0] && ring[0]![1] === ring[ring.length - 1]![1], 'a polygon ring must be closed');

export const polygonSchema = z.object({ type: z.literal('Polygon'), coordinates: z.array(linearRingSchema).min(1) });
export type Polygon = z.infer<typeof polygonSchema>;

/** Parses "W,S,E,N" as typed on a command line. */
export function parseBBox(text: string): BBox {
  const parts = text.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 4 || parts.some((n) => !Number.isFinite(n))) {
    throw new Error(`"${text}" is not a box: give four numbers W,S,E,N in degrees, e.g. -97.75,30.25,-97.70,30.30.`);
  }
  const parsed = bboxSchema.safeParse(parts);
  if (!parsed.success) throw new Error(`"${text}" is not a usable box: ${parsed.error.issues[0]!.message}.`);
  return parsed.data;
}
