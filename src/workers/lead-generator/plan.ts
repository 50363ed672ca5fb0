import type { LeadsPlan } from '../../core/contracts/leads-contract';
import type { BBox } from '../../core/domain/geo';
import { statement, type Db } from '../../core/store/database';
import { propertyRowSchema, type Property } from '../../core/store/property-rows';
import { parseRow } from '../../core/store/errors';

/**
 * The leads stage of a scan in steps: the territory's located properties in chunks of stable row
 * ranges ('rids:<first>-<last>'), so a step names the same properties after any restart without
 * listing them, and a step repeated rescores the same houses (a rescore keeps status and rep).
 */

export const LEADS_CHUNK = 250;

export function planLeads(db: Db, bbox: BBox): LeadsPlan {
  const [west, south, east, north] = bbox;
  const rids = statement(db, 'SELECT rid FROM properties WHERE deleted = 0 AND lat BETWEEN ? AND ? AND lng BETWEEN ? AND ? ORDER BY rid')
    .pluck()
    .all(south, north, west, east) as number[];
  const steps: string[] = [];
  for (let start = 0; start < rids.length; start += LEADS_CHUNK) {
    const chunk = rids.slice(start, start + LEADS_CHUNK);
    steps.push(`rids:${chunk[0]}-${chunk[chunk.length - 1]}`);
  }
  return { steps, properties: rids.length };
}

export function parseChunkKey(key: string): { first: number; last: number } | null {
  const match = /^rids:(\d+)-(\d+)$/.exec(key);
  if (!match) return null;
  const first = Number(match[1]);
  const last = Number(match[2]);
  return Number.isSafeInteger(first) && Number.isSafeInteger(last) && first <= last ? { first, last } : null;
}

/** The located, live properties of one chunk inside the box. */
export function chunkProperties(db: Db, bbox: BBox, chunk: { first: number; last: number }): Property[] {
  const [west, south, east, north] = bbox;
  return statement(db, 'SELECT * FROM properties WHERE rid BETWEEN ? AND ? AND deleted = 0 AND lat BETWEEN ? AND ? AND lng BETWEEN ? AND ? ORDER BY rid')
    .all(chunk.first, chunk.last, south, north, west, east)
    .map((row) => parseRow(propertyRowSchema, row, 'property'));
}
