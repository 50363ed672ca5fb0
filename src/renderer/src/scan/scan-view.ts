import type { ScanStatus, StageProgress } from '../../../core/contracts/scan-api';
import { MAX_BBOX_DEGREES, type BBox } from '../../../core/domain/geo';
import { usd } from '../spend/format';
import type { Tone } from '../spend/format';

/*
 * Presentation rules of the scan card, pure and tested in Node: what each stage is called, how
 * far it is, the tone of a scan's state, its one-line summary, and whether the view can be scanned.
 */

export const STAGE_LABELS: Record<StageProgress['stage'], string> = {
  scrape: 'Buildings, parcels, permits, storms',
  census: 'Census tracts',
  enrich: 'Joins, estimates, completeness',
  paid: 'Paid records for gaps',
  imagery: 'Roof images (free first, enhanced)',
  leads: 'Roof condition and lead scores',
  summary: 'Summary',
};

/** The stages worth a bar (the summary is one quick step). */
export function visibleStages(status: ScanStatus): StageProgress[] {
  return status.stages.filter((stage) => stage.stage !== 'summary');
}

/** 0..100; a stage with no steps yet is at 0 while the scan runs, full once it is complete. */
export function stagePercent(stage: StageProgress, state: ScanStatus['state']): number {
  if (stage.total === 0) return state === 'completed' ? 100 : 0;
  return Math.round((100 * (stage.done + stage.failed + stage.skipped)) / stage.total);
}

export function stateTone(state: ScanStatus['state']): Tone {
  switch (state) {
    case 'completed':
      return 'ok';
    case 'running':
    case 'planned':
      return 'pending';
    case 'failed':
      return 'failed';
    default:
      return 'off';
  }
}

export function isActive(status: ScanStatus): boolean {
  return status.state === 'running' || status.state === 'planned';
}

export function scanTitle(status: ScanStatus): string {
  if (status.territoryName) return status.territoryName;
  const [west, south, east, north] = status.bbox;
  return `Box ${south.toFixed(3)}, ${west.toFixed(3)} to ${north.toFixed(3)}, ${east.toFixed(3)}`;
}

/** "2,000 properties · 98% complete · $2.90 spent · $97.10 saved" */
export function summaryLine(status: ScanStatus): string | null {
  const summary = status.summary;
  if (!summary) return null;
  const parts = [`${summary.properties.toLocaleString('en-US')} properties`];
  if (summary.averageCompleteness !== null) parts.push(`${Math.round(summary.averageCompleteness * 100)}% complete`);
  parts.push(`${usd(summary.spendMicros)} spent`, `${usd(summary.savingsMicros)} saved`);
  return parts.join(' · ');
}

/** The map's view as a scan box, or why it cannot be scanned. */
export function viewBox(bounds: { west: number; south: number; east: number; north: number } | null): { ok: true; bbox: BBox } | { ok: false; reason: string } {
  if (!bounds) return { ok: false, reason: 'The map is not ready.' };
  const bbox: BBox = [round(bounds.west), round(bounds.south), round(bounds.east), round(bounds.north)];
  if (bbox[2] - bbox[0] > MAX_BBOX_DEGREES || bbox[3] - bbox[1] > MAX_BBOX_DEGREES) {
    return { ok: false, reason: `Zoom in to scan the view: a scan covers at most ${MAX_BBOX_DEGREES}° each way (about a large county).` };
  }
  if (bbox[0] < -180 || bbox[2] > 180 || bbox[0] >= bbox[2] || bbox[1] >= bbox[3]) return { ok: false, reason: 'Move the map so the view does not cross the date line.' };
  return { ok: true, bbox };
}

function round(value: number): number {
  return Math.round(value * 1e5) / 1e5;
}
