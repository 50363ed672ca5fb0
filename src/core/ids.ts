import { v7 as uuidv7, validate, version } from 'uuid';
import { z } from 'zod';

/**
 * Row and operation ids: UUIDv7, generated on the device that creates the row, so ids never
 * collide across devices and sort roughly by creation time (good for B-tree inserts and sync).
 *
 *   newId()        → a fresh UUIDv7 (monotonic within this process)
 *   isUuid(s)      → true for any RFC 9562 UUID text (ids from other tools are still accepted)
 *   isUuidV7(s)    → true only for version 7
 *   idSchema       zod schema for ids at boundaries (any UUID, lower-cased)
 */

export function newId(): string {
  return uuidv7();
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && validate(value);
}

export function isUuidV7(value: unknown): value is string {
  return isUuid(value) && version(value) === 7;
}

export const idSchema = z
  .string()
  .refine(isUuid, { message: 'Expected a UUID like 0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' })
  .transform((s) => s.toLowerCase());
