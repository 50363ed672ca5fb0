import type { PropertyObservation, BuildingPermit, StormReport } from '../core/domain/records';

/**
 * What an import reader yields, and what an import reports.
 *
 * Counts: imported (new rows), updated (rows whose facts changed), matched (a new source record
 * of a property already known, adding nothing new), skipped (nothing to do: unchanged since an
 * earlier import, duplicate rows in the file, properties deleted on this device; grouped by
 * reason), rejected (rows that could not be used, grouped by kind with the first few line numbers
 * and reasons).
 */

export const REJECTION_KINDS = [
  'unreadable-row', // the row cannot be read at all (bad quoting, wrong shape)
  'absurd-coordinates', // a latitude/longitude that is not on Earth, or 0,0
  'incomplete-address', // neither a full address nor coordinates: it cannot be placed
  'invalid-value', // a field that fails its rule (a year of 3020, a negative value)
  'source-rule', // the source's own parser refused it (its message says why)
] as const;
export type RejectionKind = (typeof REJECTION_KINDS)[number];

export type ImportItem =
  | { type: 'property'; observation: PropertyObservation; line: number | null }
  | { type: 'storm'; report: StormReport; line: number | null }
  | { type: 'permit'; permit: BuildingPermit; line: number | null }
  | { type: 'rejected'; kind: RejectionKind; line: number | null; reason: string }
  | { type: 'skipped'; reason: string; count?: number };

export interface RejectionGroup {
  kind: RejectionKind;
  count: number;
  /** The first few, in file order. `line` is a line (CSV), a feature or row index, or null. */
  examples: { line: number | null; reason: string }[];
}

export interface ImportCounts {
  imported: number;
  updated: number;
  matched: number;
  skipped: number;
  rejected: number;
}

export interface ImportReport extends ImportCounts {
  kind: string;
  file: string;
  /** What the rows became: properties, storm reports or permits. */
  records: 'properties' | 'storm-reports' | 'permits';
  /** The source id the records carry (e.g. 'osm-overpass', 'import:csv'). */
  source: string;
  territory: { id: string; name: string } | null;
  skippedReasons: { reason: string; count: number }[];
  rejections: RejectionGroup[];
  /** File-level notes: the encoding and delimiter read, an incomplete Overpass answer, … */
  notes: string[];
  /** Licence attribution to show with the imported data, when the source asks for one. */
  attribution: string | null;
}

/** Examples kept per rejection kind. */
export const EXAMPLES_PER_KIND = 5;

export class ImportTally implements ImportCounts {
  imported = 0;
  updated = 0;
  matched = 0;
  skipped = 0;
  rejected = 0;
  private readonly skips = new Map<string, number>();
  private readonly rejections = new Map<RejectionKind, RejectionGroup>();

  skip(reason: string, count = 1): void {
    if (count <= 0) return;
    this.skipped += count;
    this.skips.set(reason, (this.skips.get(reason) ?? 0) + count);
  }

  reject(kind: RejectionKind, line: number | null, reason: string): void {
    this.rejected += 1;
    let group = this.rejections.get(kind);
    if (!group) {
      group = { kind, count: 0, examples: [] };
      this.rejections.set(kind, group);
    }
    group.count += 1;
    if (group.examples.length < EXAMPLES_PER_KIND) group.examples.push({ line, reason });
  }

  counts(): ImportCounts {
    return { imported: this.imported, updated: this.updated, matched: this.matched, skipped: this.skipped, rejected: this.rejected };
  }

  skippedReasons(): { reason: string; count: number }[] {
    return [...this.skips].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count);
  }

  rejectionGroups(): RejectionGroup[] {
    return [...this.rejections.values()].sort((a, b) => b.count - a.count);
  }
}
