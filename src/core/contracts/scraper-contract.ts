import { z } from 'zod';
import { bboxSchema } from '../domain/geo';
import { microsSchema } from '../money';
import { defineContract } from '../rpc/contract';

/**
 * What the orchestrator asks of the scraper: one unit of collection per call (a tile of
 * buildings, a tile of parcels, the territory's permits, one day of SPC reports, one year of
 * NCEI events), each through the free-first chain and saved with the store's repositories, so a
 * call repeated after a crash changes nothing.
 */

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day is written YYYY-MM-DD');

export const scrapeTaskSchema = z.discriminatedUnion('kind', [
  /** Buildings with their addresses (OSM Overpass). */
  z.object({ kind: z.literal('buildings'), bbox: bboxSchema }),
  /** County parcels (ArcGIS REST) from the given county layer. */
  z.object({ kind: z.literal('parcels'), bbox: bboxSchema, county: z.string().min(1).max(100) }),
  /** Building permits (Socrata) in the box, from the given portal. */
  z.object({ kind: z.literal('permits'), bbox: bboxSchema, portal: z.string().min(1).max(100) }),
  /** NOAA SPC daily storm reports of one convective day, kept where they fall in the box. */
  z.object({ kind: z.literal('spc'), bbox: bboxSchema, day }),
  /** NOAA NCEI Storm Events of one year, kept where they fall in the box. */
  z.object({ kind: z.literal('ncei'), bbox: bboxSchema, year: z.number().int().min(1950).max(2100) }),
]);
export type ScrapeTask = z.infer<typeof scrapeTaskSchema>;

export const scrapeRequestSchema = z.object({
  /** The scan run: the ledger's request id for every attempt. */
  runId: z.string().min(1).max(100),
  territoryId: z.string().min(1).max(100).nullable(),
  task: scrapeTaskSchema,
});
export type ScrapeRequest = z.infer<typeof scrapeRequestSchema>;

export const saveCountsSchema = z.object({
  inserted: z.number().int().min(0),
  updated: z.number().int().min(0),
  unchanged: z.number().int().min(0),
  rejected: z.number().int().min(0),
});
export type SaveCounts = z.infer<typeof saveCountsSchema>;

export const scrapeResultSchema = z.object({
  kind: z.enum(['buildings', 'parcels', 'permits', 'spc', 'ncei']),
  /** The source that answered (or the last one tried). */
  source: z.string(),
  /** 'ok': collected (maybe nothing there); 'unavailable': every source failed or was refused; 'not-configured': the source has no address for this place. */
  outcome: z.enum(['ok', 'unavailable', 'not-configured']),
  fetched: z.number().int().min(0),
  saved: saveCountsSchema,
  costMicros: microsSchema,
  /** Why nothing came (refusal, error), or a warning (a page limit hit). */
  message: z.string().nullable(),
});
export type ScrapeResult = z.infer<typeof scrapeResultSchema>;

export const scraperContract = defineContract({
  name: 'scraper',
  methods: {
    'scraper.collect': { params: scrapeRequestSchema, result: scrapeResultSchema, progress: true },
  },
  events: {},
});
