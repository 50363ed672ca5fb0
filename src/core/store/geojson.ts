import { z } from 'zod';

/**
 * GeoJSON areas (RFC 7946 Polygon and MultiPolygon, WGS84 longitude/latitude) as drawn on the
 * map or imported from a file; territories and other areas are stored in this shape.
 */

const MAX_POSITIONS = 100_000;

/** [longitude, latitude] or [longitude, latitude, altitude]; typed as number[] as GeoJSON tools do. */
export const positionSchema = z
  .array(z.number().finite())
  .min(2, 'A position needs a longitude and a latitude')
  .max(3)
  .refine((p) => Math.abs(p[0]!) <= 180 && Math.abs(p[1]!) <= 90, { message: 'Longitude must be within ±180 and latitude within ±90' });

export const linearRingSchema = z
  .array(positionSchema)
  .min(4, 'A ring needs at least 4 positions (a triangle, closed)')
  .refine((ring) => ring[0]![0] === ring[ring.length - 1]![0] && ring[0]![1] === ring[ring.length - 1]![1], {
    message: 'A ring must end where it starts',
  });

const polygonCoordinates = z.array(linearRingSchema).min(1);

export const polygonSchema = z.object({ type: z.literal('Polygon'), coordinates: polygonCoordinates });
export const multiPolygonSchema = z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(polygonCoordinates).min(1) });

export const areaGeometrySchema = z
  .discriminatedUnion('type', [polygonSchema, multiPolygonSchema])
  .refine((geometry) => countPositions(geometry) <= MAX_POSITIONS, {
    message: `An area may have at most ${MAX_POSITIONS} points; simplify it first`,
  });
export type AreaGeometry = z.infer<typeof areaGeometrySchema>;

function countPositions(geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown[][][] | unknown[][][][] }): number {
  const polygons = (geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates) as unknown[][][];
  return polygons.reduce((total, rings) => total + rings.reduce((sum, ring) => sum + ring.length, 0), 0);
}
