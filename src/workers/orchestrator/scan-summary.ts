import type { ScanSourceFigures, ScanSummary } from '../../core/contracts/scan-api';
import type { BBox } from '../../core/domain/geo';
import { scanImageryRequestId, scanPaidRequestId } from '../../core/contracts/enrichment-contract';
import type { Micros } from '../../core/money';
import { statement, type Db } from '../../core/store/database';
import { listScanSteps } from '../../core/store/scan-runs';
import { roofImageSummary } from '../../core/imagery/roof-images';
import { priceFor } from '../../core/cost/prices';
import type { ImageryAcquireResult } from '../../core/contracts/imagery-contract';
import { stormBox } from './scan-plan';

/**
 * The end of a scan in figures a rep and a manager care about: properties and how complete they
 * are, storms and permits found, and — from the cost ledger rows of this scan (request ids: the
 * run id, and the run id + ':paid' for its paid stage) — every source tried, what was spent, and
 * what buying every fact would have cost.
 */

export function scanSummary(db: Db, runId: string, bbox: BBox, completenessTarget: number, createdAt: string): ScanSummary {
  const [west, south, east, north] = bbox;
  const box = { west, south, east, north };
  const properties = statement(
    db,
    `SELECT count(*) AS n,
            coalesce(sum(completeness >= @target), 0) AS complete,
            avg(completeness) AS average,
            coalesce(sum(json_extract(field_sources, '$.marketValueUsd') = 'local-estimate'), 0) AS estimated
       FROM properties
      WHERE deleted = 0 AND lat BETWEEN @south AND @north AND lng BETWEEN @west AND @east`,
  ).get({ ...box, target: completenessTarget }) as { n: number; complete: number; average: number | null; estimated: number };

  const [sw, ss, se, sn] = stormBox(bbox);
  const storms = statement(
    db,
    `SELECT count(*) AS n, coalesce(sum(kind = 'hail'), 0) AS hail, max(hail_size_inches) AS biggest
       FROM storm_reports WHERE lat BETWEEN @south AND @north AND lng BETWEEN @west AND @east`,
  ).get({ west: sw, south: ss, east: se, north: sn }) as { n: number; hail: number; biggest: number | null };

  const permits = statement(
    db,
    `SELECT count(*) AS n, coalesce(sum(is_roofing), 0) AS roofing
       FROM building_permits WHERE lat BETWEEN @south AND @north AND lng BETWEEN @west AND @east`,
  ).get(box) as { n: number; roofing: number };

  const tracts = statement(
    db,
    `SELECT count(DISTINCT census_geoid) AS n FROM properties
      WHERE deleted = 0 AND census_geoid IS NOT NULL AND lat BETWEEN @south AND @north AND lng BETWEEN @west AND @east`,
  ).get(box) as { n: number };

  const sources = ledgerBySource(db, runId, createdAt);
  const spend = sources.reduce((sum, source) => sum + source.costMicros, 0);
  const listPrice = sources.reduce((sum, source) => sum + source.listPriceMicros, 0);

  const paid = listScanSteps(db, runId, { stage: 'paid', states: ['done'] });
  let paidRecords = 0;
  let paidRefused = 0;
  for (const step of paid) {
    const outcome = (step.result as { outcome?: string } | null)?.outcome;
    if (outcome === 'paid' || outcome === 'stored') paidRecords += 1;
    else if (outcome === 'refused') paidRefused += 1;
  }

  const warnings = listScanSteps(db, runId, { states: ['failed', 'skipped'] })
    .filter((step) => step.error)
    .map((step) => `${step.stage} ${step.key}: ${step.error}`);

  return {
    properties: properties.n,
    complete: properties.complete,
    incomplete: properties.n - properties.complete,
    averageCompleteness: properties.average === null ? null : Math.round(properties.average * 1000) / 1000,
    estimatedValues: properties.estimated,
    paidRecords,
    paidRefused,
    tracts: tracts.n,
    stormReports: storms.n,
    hailReports: storms.hail,
    maxHailInches: storms.biggest,
    permits: permits.n,
    roofingPermits: permits.roofing,
    sources,
    spendMicros: spend as Micros,
    listPriceMicros: listPrice as Micros,
    savingsMicros: Math.max(0, listPrice - spend) as Micros,
    ...imageryFigures(db, runId),
    ...leadFigures(db, runId, bbox, properties.n, spend),
    warnings: dedupe(warnings).slice(0, 50),
  };
}

/** The leads of the territory, the best first, and what the scan cost per lead against paying for everything. */
function leadFigures(db: Db, runId: string, bbox: BBox, propertyCount: number, spendMicros: number): { leads?: ScanSummary['leads'] } {
  if (listScanSteps(db, runId, { stage: 'leads' }).length === 0) return {};
  const [west, south, east, north] = bbox;
  const box = { west, south, east, north };
  const totals = statement(
    db,
    `SELECT count(*) AS n, coalesce(sum(score >= 70), 0) AS hot, avg(score) AS mean, avg(free_sources_only) AS free
       FROM leads WHERE deleted = 0 AND lat BETWEEN @south AND @north AND lng BETWEEN @west AND @east`,
  ).get(box) as { n: number; hot: number; mean: number | null; free: number | null };
  const top = (
    statement(
      db,
      `SELECT id, address, score, reasons FROM leads WHERE deleted = 0 AND lat BETWEEN @south AND @north AND lng BETWEEN @west AND @east
        ORDER BY score DESC, id LIMIT 10`,
    ).all(box) as Array<{ id: string; address: string; score: number; reasons: string }>
  ).map((row) => ({ leadId: row.id, address: row.address, score: row.score, reasons: (JSON.parse(row.reasons) as Array<{ text: string }>).map((reason) => reason.text).slice(0, 3) }));
  // Note: the anchor is the cheapest paid image plus a property record, per property, at today's prices.
  const image = Math.min(priceFor(db, 'google-static-maps', 'satellite-image') ?? 0, priceFor(db, 'mapbox-static-images', 'satellite-image') ?? Number.MAX_SAFE_INTEGER);
  const record = priceFor(db, 'property-records', 'property-detail') ?? 0;
  const payForEverything = propertyCount * (image + record);
  return {
    leads: {
      leads: totals.n,
      hot: totals.hot,
      meanScore: totals.mean === null ? null : Math.round(totals.mean * 10) / 10,
      freeShare: totals.free === null ? null : Math.round(totals.free * 1000) / 1000,
      top,
      spendPerLeadMicros: totals.n === 0 ? null : (Math.round(spendMicros / totals.n) as Micros),
      payForEverythingMicros: payForEverything as Micros,
      savingsVersusPayingMicros: Math.max(0, payForEverything - spendMicros) as Micros,
    },
  };
}

/** The imagery stage in figures, from its steps and the roof images this run saved. */
function imageryFigures(db: Db, runId: string): { imagery?: ScanSummary['imagery'] } {
  const steps = listScanSteps(db, runId, { stage: 'imagery' }).filter((step) => step.key !== 'plan');
  if (steps.length === 0) return {};
  const roofs = roofImageSummary(db, { runId });
  let requests = 0;
  let properties = 0;
  for (const step of steps) {
    const result = step.result as Partial<ImageryAcquireResult> | null;
    requests += result?.requests ?? 0;
    properties += result?.properties ?? 0;
  }
  return {
    imagery: {
      roofImages: roofs.total,
      byKind: Object.fromEntries(Object.entries(roofs.byStepKind).filter(([, n]) => n > 0)),
      enhanced: roofs.enhanced,
      batches: steps.filter((step) => step.key.startsWith('batch:')).length,
      requests,
      requestsWithoutBatching: properties,
      costMicros: roofs.costMicros,
      lowConfidence: roofs.lowConfidence,
      manualReview: roofs.manualReview,
      notStored: roofs.notStored,
      meanQuality: roofs.meanQuality === null ? null : Math.round(roofs.meanQuality * 1000) / 1000,
    },
  };
}

function ledgerBySource(db: Db, runId: string, since: string): ScanSourceFigures[] {
  const rows = statement(
    db,
    `SELECT source,
            count(*) AS attempts,
            coalesce(sum(outcome = 'hit'), 0) AS hits,
            coalesce(sum(outcome = 'miss'), 0) AS misses,
            coalesce(sum(outcome = 'error'), 0) AS errors,
            coalesce(sum(outcome = 'refused'), 0) AS refused,
            coalesce(sum(outcome = 'fallback'), 0) AS fallbacks,
            coalesce(sum(paid = 1 AND outcome <> 'refused' AND cost_micros > 0), 0) AS paid_calls,
            coalesce(sum(cost_micros), 0) AS cost,
            coalesce(sum(list_price_micros), 0) AS list_price
       FROM cost_ledger
      WHERE request_id IN (?, ?, ?) AND at >= ?
      GROUP BY source
      ORDER BY source`,
  ).all(runId, scanPaidRequestId(runId), scanImageryRequestId(runId), since) as Array<{
    source: string;
    attempts: number;
    hits: number;
    misses: number;
    errors: number;
    refused: number;
    fallbacks: number;
    paid_calls: number;
    cost: number;
    list_price: number;
  }>;
  return rows.map((row) => ({
    source: row.source,
    attempts: row.attempts,
    hits: row.hits,
    misses: row.misses,
    errors: row.errors,
    refused: row.refused,
    fallbacks: row.fallbacks,
    paidCalls: row.paid_calls,
    costMicros: row.cost as Micros,
    listPriceMicros: row.list_price as Micros,
  }));
}

function dedupe(lines: string[]): string[] {
  return [...new Set(lines)];
}
