import { StoreError } from '../store/errors';
import type { Db } from '../store/database';
import { leadExportRows, type LeadExportRow } from './lead-export';
import { countLeads, listLeads, MAX_LEADS_PER_PAGE, type LeadFilters } from './leads-store';
import type { LeadStatus } from './types';
import { latestVisits } from './visits-store';

/**
 * The lists the app and the CLI both hand out, so the two never drift apart: the doors a walk
 * route goes to, and the rows of an export.
 */

/** Doors worth walking to unless a rep says otherwise: not yet decided, or worth another knock. */
export const OPEN_STATUSES: readonly LeadStatus[] = ['new', 'contacted', 'not_home'];

/**
 * Every lead matching the filters as export rows (with each lead's latest visit); refused, not
 * cut short, when more match than one export holds.
 */
export function exportRows(db: Db, filters: Omit<LeadFilters, 'limit' | 'offset'>, limit?: number): LeadExportRow[] {
  const total = countLeads(db, filters);
  const wanted = Math.min(total, limit ?? total);
  if (wanted > MAX_LEADS_PER_PAGE) {
    throw new StoreError('invalid-input', `${total.toLocaleString('en-US')} leads match; one export holds at most ${MAX_LEADS_PER_PAGE.toLocaleString('en-US')}. Narrow it by territory, score or status.`);
  }
  const leads = wanted === 0 ? [] : listLeads(db, { ...filters, limit: wanted });
  return leadExportRows(leads, latestVisits(db, leads.map((lead) => lead.id)));
}
