import { describe, expect, it } from 'vitest';
import { idSchema, isUuid, isUuidV7, newId } from './ids';

describe('ids', () => {
  it('creates distinct UUIDv7 ids that sort in creation order', () => {
    const ids = Array.from({ length: 1000 }, () => newId());
    expect(new Set(ids).size).toBe(1000);
    expect(ids.every(isUuidV7)).toBe(true);
    expect([...ids].sort()).toEqual(ids);
  });

  it('tells ids from other text', () => {
    expect(isUuid('not-an-id')).toBe(false);
    expect(isUuid(42)).toBe(false);
    expect(isUuid('6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(true);
    expect(isUuidV7('6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(false);
    expect(idSchema.safeParse('x').success).toBe(false);
    expect(idSchema.parse('0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B')).toBe('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b');
  });
});
