import { buildingPermitSchema, propertyObservationSchema, stormReportSchema, type BuildingPermit, type StormReport } from '../core/domain/records';
import { describeZodError } from '../core/rpc/protocol';
import { StoreError, insertStormReports, upsertPermits, upsertPropertyObservation, writeTransaction, type Db } from '../core/store';
import { ImportError } from './errors';
import type { ImportCounts, ImportItem, ImportTally } from './report';

/**
 * Writes what a reader yields, one transaction per batch: a batch is in the database whole or not
 * at all, so an import killed mid-file (even by SIGKILL) leaves no half-written property, and the
 * rerun finds the committed batches unchanged (idempotent repositories) and carries on.
 */

export const IMPORT_BATCH_SIZE = 500;

export interface WriteOptions {
  territoryId?: string | null;
  batchSize?: number;
  /** Called after each committed batch (progress; tests use it to kill an import mid-file). */
  onBatch?: (progress: { batches: number; counts: ImportCounts }) => void | Promise<void>;
  signal?: AbortSignal;
}

type RecordItem = Extract<ImportItem, { type: 'property' | 'storm' | 'permit' }>;

export async function writeItems(db: Db, items: AsyncIterable<ImportItem> | Iterable<ImportItem>, tally: ImportTally, options: WriteOptions = {}): Promise<number> {
  const batchSize = options.batchSize ?? IMPORT_BATCH_SIZE;
  let batch: RecordItem[] = [];
  let batches = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const pending = batch;
    batch = [];
    writeTransaction(db, () => writeBatch(db, pending, tally, options.territoryId ?? null));
    batches += 1;
    await options.onBatch?.({ batches, counts: tally.counts() });
  };
  for await (const item of items) {
    if (options.signal?.aborted) throw new ImportError('cancelled', 'The import was cancelled; the batches written so far are kept, and importing the file again finishes it.');
    if (item.type === 'rejected') tally.reject(item.kind, item.line, item.reason);
    else if (item.type === 'skipped') tally.skip(item.reason, item.count ?? 1);
    else {
      batch.push(item);
      if (batch.length >= batchSize) await flush();
    }
  }
  await flush();
  return batches;
}

function writeBatch(db: Db, items: readonly RecordItem[], tally: ImportTally, territoryId: string | null): void {
  const storms: StormReport[] = [];
  const permits: BuildingPermit[] = [];
  for (const item of items) {
    if (item.type === 'property') writeProperty(db, item, tally, territoryId);
    else if (item.type === 'storm') {
      const checked = stormReportSchema.safeParse(item.report);
      if (checked.success) storms.push(checked.data);
      else tally.reject('invalid-value', item.line, `storm report ${item.report.sourceRecordId}: ${describeZodError(checked.error)}`);
    } else {
      const checked = buildingPermitSchema.safeParse(item.permit);
      if (checked.success) permits.push(checked.data);
      else tally.reject('invalid-value', item.line, `permit ${item.permit.sourceRecordId}: ${describeZodError(checked.error)}`);
    }
  }
  if (storms.length > 0) {
    const counts = insertStormReports(db, storms);
    tally.imported += counts.inserted;
    tally.updated += counts.updated;
    tally.skip('unchanged since an earlier import', counts.unchanged);
  }
  if (permits.length > 0) {
    const counts = upsertPermits(db, permits);
    tally.imported += counts.inserted;
    tally.updated += counts.updated;
    tally.skip('unchanged since an earlier import', counts.unchanged);
  }
}

function writeProperty(db: Db, item: Extract<ImportItem, { type: 'property' }>, tally: ImportTally, territoryId: string | null): void {
  const checked = propertyObservationSchema.safeParse(item.observation);
  if (!checked.success) {
    tally.reject('invalid-value', item.line, describeZodError(checked.error));
    return;
  }
  try {
    const result = upsertPropertyObservation(db, checked.data, { territoryId });
    if (result.outcome === 'created') tally.imported += 1;
    else if (result.outcome === 'updated') tally.updated += 1;
    else if (result.outcome === 'linked') tally.matched += 1;
    else if (result.outcome === 'unchanged') tally.skip('unchanged since an earlier import');
    else tally.skip('the property was deleted on this device');
  } catch (error) {
    if (!(error instanceof StoreError) || error.kind !== 'invalid-input') throw error;
    tally.reject(/placed on the map/.test(error.message) ? 'incomplete-address' : 'invalid-value', item.line, error.message);
  }
}
