import { create } from 'zustand';
import type { WalkRouteView } from '../../../core/contracts/leads-contract';
import type { LatLng } from '../../../core/domain/geo';
import { EMPTY_FILTERS, type LeadFilterForm } from './lead-filters';

/*
 * UI state of leads: the card open or folded, the filter form, the page, the lead open in the
 * detail, and the walking route drawn on the map (a plan, not stored: planned again on demand).
 * Leads themselves live in react-query.
 */

export interface SelectedLead {
  id: string;
  /** Known from the row or the map before the lead itself has loaded. */
  address: string | null;
}

export interface PlannedRoute {
  from: LatLng;
  fromLabel: 'map centre' | 'your position';
  route: WalkRouteView;
}

interface LeadsUiState {
  collapsed: boolean;
  filters: LeadFilterForm;
  page: number;
  selected: SelectedLead | null;
  route: PlannedRoute | null;
  /** The rep's name, remembered for assignments and visits in this window. */
  rep: string;
  toggleCollapsed(): void;
  setFilters(patch: Partial<LeadFilterForm>): void;
  clearFilters(): void;
  setPage(page: number): void;
  select(lead: SelectedLead | null): void;
  setRoute(route: PlannedRoute | null): void;
  setRep(rep: string): void;
}

export const useLeadsUiStore = create<LeadsUiState>()((set) => ({
  // Note: folded at start, so the card does not cover the spend card until a rep asks for leads.
  collapsed: true,
  filters: EMPTY_FILTERS,
  page: 0,
  selected: null,
  route: null,
  rep: '',
  toggleCollapsed: () => set((s) => ({ collapsed: !s.collapsed })),
  // A new filter starts the list again from its first page.
  setFilters: (patch) => set((s) => ({ filters: { ...s.filters, ...patch }, page: 0 })),
  clearFilters: () => set({ filters: EMPTY_FILTERS, page: 0 }),
  setPage: (page) => set({ page: Math.max(0, page) }),
  select: (selected) => set({ selected }),
  setRoute: (route) => set({ route }),
  setRep: (rep) => set({ rep }),
}));
