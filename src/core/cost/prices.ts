import { z } from 'zod';
import { formatUsd, type Micros } from '../money';
import { describeZodError } from '../rpc/protocol';
import { appendAudit, parseRow, StoreError, writeTransaction, type Db } from '../store';
import { nowIso, statement } from '../store/database';
import type { PriceEntry } from './budget-schemas';
import { budgetAmountSchema } from './budget-settings';

/**
 * The price table: what one call of each source and operation costs at list price. It prices
 * paid calls before they are made (the reservation estimate) and every free or cached answer at
 * what it would have cost ("savings versus paying for every call"). Versioned like the settings:
 * each edit is a new `price_tables` row plus an audit entry.
 *
 *   DEFAULT_PRICES                          published list prices (below)
 *   getPriceTable(db)                       → { version (0 = defaults), prices }
 *   updatePriceTable(db, prices, actor)     → the new table (StoreError 'invalid-input')
 *   priceFor(db, source, operation)         → Micros | null: exact operation, else the source's
 *                                             '*' entry, else null (unknown: not priced)
 */

export const ANY_OPERATION = '*';

export const DEFAULT_PRICES: readonly PriceEntry[] = Object.freeze([
  // Google Maps Platform pricing, "Maps Static API" (Static Maps): $2.00 per 1,000 requests
  // at the first volume tier, i.e. $0.002 a request.
  { source: 'google-static-maps', operation: ANY_OPERATION, micros: 2_000 as Micros, unit: 'request', note: 'Google Maps Static API: $2.00 per 1,000 requests' },
  // Mapbox pricing, "Static Images API": $1.00 per 1,000 requests after the monthly free tier.
  // Note: the free tier is per account and month, which a per-call price cannot see; pricing
  // every call keeps the budget on the safe side.
  { source: 'mapbox-static-images', operation: ANY_OPERATION, micros: 1_000 as Micros, unit: 'request', note: 'Mapbox Static Images API: $1.00 per 1,000 requests after the free tier' },
  // Paid property records for targeted enrichment (year built / roof age, value, owner-occupancy):
  // the seed design's estimate of $0.05 per targeted paid enrichment call
  // (seed/fish-mouth-architecture.md: `budget_controller.can_spend(0.05)`). Set the real
  // contract price in Settings → Budget & prices.
  { source: 'property-records', operation: ANY_OPERATION, micros: 50_000 as Micros, unit: 'request', note: 'Paid property records (ATTOM-style property detail): $0.05 per call, the seed design estimate' },
  // Free public sources (their usage policies limit the rate, not the price).
  { source: 'osm-overpass', operation: ANY_OPERATION, micros: 0 as Micros, unit: 'request', note: 'OpenStreetMap Overpass API: free (ODbL data)' },
  { source: 'nominatim', operation: ANY_OPERATION, micros: 0 as Micros, unit: 'request', note: 'Nominatim usage policy: free, at most 1 request/s' },
  { source: 'census-geocoder', operation: ANY_OPERATION, micros: 0 as Micros, unit: 'request', note: 'U.S. Census Bureau Geocoder: free' },
  { source: 'census-acs', operation: ANY_OPERATION, micros: 0 as Micros, unit: 'request', note: 'Census Data API, ACS 5-year: free' },
  { source: 'noaa-spc', operation: ANY_OPERATION, micros: 0 as Micros, unit: 'request', note: 'NOAA Storm Prediction Center storm reports: free' },
  { source: 'ncei-storm-events', operation: ANY_OPERATION, micros: 0 as Micros, unit: 'request', note: 'NOAA NCEI Storm Events Database: free' },
  { source: 'arcgis-parcels', operation: ANY_OPERATION, micros: 0 as Micros, unit: 'request', note: 'County parcels over ArcGIS REST FeatureServer: free' },
  { source: 'socrata-permits', operation: ANY_OPERATION, micros: 0 as Micros, unit: 'request', note: 'Building permits over Socrata SODA: free' },
  { source: 'naip', operation: ANY_OPERATION, micros: 0 as Micros, unit: 'request', note: 'USGS NAIP ImageServer exportImage: free, public domain' },
] satisfies PriceEntry[]);

const NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;

export const priceEntrySchema = z
  .object({
    source: z.string().trim().regex(NAME, 'source must be a short lower-case name like google-static-maps'),
    operation: z
      .string()
      .trim()
      .refine((op) => op === ANY_OPERATION || NAME.test(op), 'operation must be a short lower-case name, or * for every operation'),
    micros: budgetAmountSchema('price'),
    unit: z.string().trim().min(1, 'unit must say what the price buys, e.g. request').max(50, 'unit must be at most 50 characters'),
    note: z.string().trim().max(500, 'note must be at most 500 characters').optional(),
  })
  .strict();

export const priceTableSchema = z
  .array(priceEntrySchema)
  .max(10_000, 'a price table holds at most 10,000 entries')
  .superRefine((entries, ctx) => {
    const seen = new Set<string>();
    entries.forEach((entry, index) => {
      const key = `${entry.source}\u0000${entry.operation}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [index], message: `${entry.source} ${entry.operation} is priced twice` });
      seen.add(key);
    });
  });

const priceRowSchema = z.object({ version: z.number().int().positive(), prices: z.string() });

// Parsing the JSON once per version, not once per call: priceFor sits on every chain attempt.
const cache = new WeakMap<Db, { version: number; prices: PriceEntry[]; index: Map<string, Micros> }>();

export function getPriceTable(db: Db): { version: number; prices: PriceEntry[] } {
  const { version, prices } = loadTable(db);
  return { version, prices: prices.map((p) => ({ ...p })) };
}

export function priceFor(db: Db, source: string, operation: string): Micros | null {
  const { index } = loadTable(db);
  return index.get(`${source}\u0000${operation}`) ?? index.get(`${source}\u0000${ANY_OPERATION}`) ?? null;
}

export function updatePriceTable(db: Db, prices: PriceEntry[], actor: string): { version: number; prices: PriceEntry[] } {
  const valid = priceTableSchema.safeParse(prices);
  if (!valid.success) throw new StoreError('invalid-input', `The price table is not valid: ${describeZodError(valid.error, 'prices')}.`);
  const who = z.string().trim().min(1).max(200).safeParse(actor);
  if (!who.success) throw new StoreError('invalid-input', 'Say who is changing the price table (a name of 1 to 200 characters).');
  const entries = valid.data.map(stripUndefined);

  return writeTransaction(db, () => {
    const previous = loadTable(db);
    const version = Number(statement(db, 'INSERT INTO price_tables (at, actor, prices) VALUES (?, ?, ?)').run(nowIso(), who.data, JSON.stringify(entries)).lastInsertRowid);
    const before = new Map(previous.prices.map((p) => [`${p.source} ${p.operation}`, p.micros]));
    const after = new Map(entries.map((p) => [`${p.source} ${p.operation}`, p.micros]));
    const changes = [...new Set([...before.keys(), ...after.keys()])]
      .filter((key) => before.get(key) !== after.get(key))
      .map((key) => `${key}: ${describePrice(before.get(key))} → ${describePrice(after.get(key))}`);
    appendAudit(db, { actor: who.data, action: 'budget.prices.update', details: { version, previousVersion: previous.version, changes } });
    return { version, prices: entries.map((p) => ({ ...p })) };
  });
}

function describePrice(price: Micros | undefined): string {
  return price === undefined ? 'none' : formatUsd(price);
}

function stripUndefined(entry: z.output<typeof priceEntrySchema>): PriceEntry {
  const { note, ...rest } = entry;
  return note === undefined || note === '' ? rest : { ...rest, note };
}

function loadTable(db: Db): { version: number; prices: PriceEntry[]; index: Map<string, Micros> } {
  const version = statement(db, 'SELECT max(version) FROM price_tables').pluck().get();
  const current = typeof version === 'number' ? version : 0;
  const cached = cache.get(db);
  if (cached && cached.version === current) return cached;

  let prices: PriceEntry[];
  if (current === 0) {
    prices = DEFAULT_PRICES.map((p) => ({ ...p }));
  } else {
    const row = parseRow(priceRowSchema, statement(db, 'SELECT version, prices FROM price_tables WHERE version = ?').get(current), 'price table');
    let stored: unknown;
    try {
      stored = JSON.parse(row.prices);
    } catch {
      throw new StoreError('invalid-row', `Price table version ${current} is not valid JSON; the database may have been edited by another tool.`);
    }
    prices = parseRow(priceTableSchema, stored, 'price table').map(stripUndefined);
  }
  const entry = { version: current, prices, index: new Map(prices.map((p) => [`${p.source}\u0000${p.operation}`, p.micros])) };
  cache.set(db, entry);
  return entry;
}
