import type { LeadFilters } from '../../../core/contracts/leads-contract';
import type { LeadStatus } from '../../../core/leads/types';

/*
 * The leads card's filter form as typed (strings where a person types) and the LeadFilters it
 * stands for. Pure and tested in Node: a half-typed field is an error shown beside the form, never
 * a request the service refuses.
 */

export interface LeadFilterForm {
  /** 0 means no minimum. */
  minScore: number;
  /** Empty means every status. */
  statuses: LeadStatus[];
  /** YYYY-MM-DD from a date input, or ''. */
  hailSince: string;
  /** Whole years as typed, or ''. */
  minRoofAge: string;
  /** A rep's name as typed, or ''. */
  assignedTo: string;
}

export const EMPTY_FILTERS: LeadFilterForm = { minScore: 0, statuses: [], hailSince: '', minRoofAge: '', assignedTo: '' };

/** Rows on one page of the list: a rep scrolls a hundred, then pages on. */
export const PAGE_SIZE = 100;

export type FilterResult = { ok: true; filters: LeadFilters } | { ok: false; message: string };

/** The filters without paging (for counts, routes and exports). */
export function leadFilters(form: LeadFilterForm): FilterResult {
  const filters: LeadFilters = {};
  if (form.minScore > 0) filters.minScore = Math.min(100, Math.round(form.minScore));
  if (form.statuses.length > 0) filters.statuses = [...form.statuses];
  const hail = form.hailSince.trim();
  if (hail) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(hail) || Number.isNaN(Date.parse(`${hail}T00:00:00Z`))) return { ok: false, message: 'Hail since: pick a day (YYYY-MM-DD).' };
    filters.hailSince = hail;
  }
  const age = form.minRoofAge.trim();
  if (age) {
    const years = Number(age);
    if (!Number.isFinite(years) || years < 0 || years > 200) return { ok: false, message: 'Roof age: a number of years from 0 to 200.' };
    if (years > 0) filters.minRoofAgeYears = years;
  }
  const rep = form.assignedTo.trim();
  if (rep) filters.assignedTo = rep.slice(0, 200);
  return { ok: true, filters };
}

/** One page of the list under `filters`. */
export function pageFilters(filters: LeadFilters, page: number): LeadFilters {
  return { ...filters, limit: PAGE_SIZE, offset: Math.max(0, page) * PAGE_SIZE };
}

export function pageCount(total: number): number {
  return Math.max(1, Math.ceil(total / PAGE_SIZE));
}

export function toggleStatus(statuses: readonly LeadStatus[], status: LeadStatus): LeadStatus[] {
  return statuses.includes(status) ? statuses.filter((s) => s !== status) : [...statuses, status];
}

export function activeFilterCount(form: LeadFilterForm): number {
  return [form.minScore > 0, form.statuses.length > 0, form.hailSince.trim() !== '', form.minRoofAge.trim() !== '', form.assignedTo.trim() !== ''].filter(Boolean).length;
}
