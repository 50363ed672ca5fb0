import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { LeadFilters, LeadView } from '../../../core/contracts/leads-contract';
import type { BBox, LatLng } from '../../../core/domain/geo';
import type { LeadStatus, VisitOutcome } from '../../../core/leads/types';
import { useApi } from '../api/api-context';
import { useRefetchOnScan } from '../api/use-refetch-on-scan';
import { HOT_SCORE } from './leads-view';

/*
 * Leads from the services through react-query: a page of the ranked list, the count of hot leads,
 * the leads drawn on the map, one lead with its visits, and a rep's changes. Everything under
 * ['leads'] is fetched again when a scan ends or its leads stage moves on, after a rep's change,
 * and after a reconnect.
 */

export const leadsKeys = {
  all: ['leads'] as const,
  list: (filters: LeadFilters) => ['leads', 'list', filters] as const,
  hot: (filters: LeadFilters) => ['leads', 'hot', filters] as const,
  map: (filters: LeadFilters, bbox: BBox | null) => ['leads', 'map', filters, bbox] as const,
  lead: (id: string) => ['leads', 'lead', id] as const,
};

/** At most this many leads are drawn on the map at once (the best first). */
export const MAP_LEADS = 2_000;
/** Leads are asked again at most this often while a scan's leads stage runs. */
const LIVE_LEADS_MS = 4_000;

export function useLeadList(filters: LeadFilters | null) {
  const api = useApi();
  return useQuery({
    queryKey: leadsKeys.list(filters ?? {}),
    queryFn: () => api.listLeads(filters!),
    enabled: filters !== null,
    // Note: the last page stays while the next loads, so paging and filtering do not flash.
    placeholderData: keepPreviousData,
    staleTime: 30_000,
    retry: 1,
  });
}

/** How many leads under `filters` score HOT_SCORE or more (one row fetched, the total read). */
export function useHotCount(filters: LeadFilters | null) {
  const api = useApi();
  const hot: LeadFilters | null = filters ? { ...filters, minScore: Math.max(HOT_SCORE, filters.minScore ?? 0), limit: 1, offset: 0 } : null;
  return useQuery({
    queryKey: leadsKeys.hot(hot ?? {}),
    queryFn: async () => (await api.listLeads(hot!)).total,
    enabled: hot !== null,
    placeholderData: keepPreviousData,
    staleTime: 30_000,
    retry: 1,
  });
}

/** The best MAP_LEADS leads under `filters`, within the view when it is of town size. */
export function useMapLeads(filters: LeadFilters | null, bbox: BBox | null) {
  const api = useApi();
  const mapFilters: LeadFilters | null = filters ? { ...filters, ...(bbox ? { bbox } : {}), limit: MAP_LEADS, offset: 0 } : null;
  return useQuery({
    queryKey: leadsKeys.map(filters ?? {}, bbox),
    queryFn: () => api.listLeads(mapFilters!),
    enabled: mapFilters !== null,
    placeholderData: keepPreviousData,
    staleTime: 30_000,
    refetchOnWindowFocus: false,
    retry: 1,
  });
}

export function useLead(id: string | null) {
  const api = useApi();
  return useQuery({ queryKey: leadsKeys.lead(id ?? ''), queryFn: () => api.getLead(id!), enabled: id !== null, staleTime: 15_000, retry: 1 });
}

/** After a change: the lead as the service now has it, and every list fetched again. */
function useLeadChanged() {
  const queryClient = useQueryClient();
  return (lead: LeadView | null) => {
    if (lead) queryClient.setQueryData(leadsKeys.lead(lead.id), (old: { lead: LeadView; visits: unknown[] } | null | undefined) => (old ? { ...old, lead } : old));
    void queryClient.invalidateQueries({ queryKey: leadsKeys.all });
  };
}

export function useSetLeadStatus() {
  const api = useApi();
  const changed = useLeadChanged();
  return useMutation({ mutationFn: ({ id, status }: { id: string; status: LeadStatus }) => api.setLeadStatus(id, status), onSuccess: (lead) => changed(lead) });
}

export function useAssignLeads() {
  const api = useApi();
  const changed = useLeadChanged();
  return useMutation({ mutationFn: ({ ids, rep }: { ids: string[]; rep: string | null }) => api.assignLeads(ids, rep), onSuccess: () => changed(null) });
}

export interface VisitInput {
  leadId: string;
  outcome: VisitOutcome;
  note?: string;
  position?: LatLng;
  rep?: string;
}

export function useLogVisit() {
  const api = useApi();
  const changed = useLeadChanged();
  return useMutation({ mutationFn: (visit: VisitInput) => api.logVisit(visit), onSuccess: ({ lead }) => changed(lead) });
}

export function usePlanRoute() {
  const api = useApi();
  return useMutation({ mutationFn: ({ from, top, filters }: { from: LatLng; top: number; filters: LeadFilters }) => api.planRoute(from, top, filters) });
}

export function useExportLeads() {
  const api = useApi();
  return useMutation({ mutationFn: ({ format, filters }: { format: 'csv' | 'geojson' | 'kml'; filters: LeadFilters }) => api.exportLeads(format, filters) });
}

/**
 * Fetches leads again when a scan ends, now and then while its leads stage runs, and after the link
 * comes back (pushes made while it was down were lost).
 */
export function useLeadsRefresh(): void {
  useRefetchOnScan({ queryKey: leadsKeys.all, liveStage: 'leads', liveEveryMs: LIVE_LEADS_MS });
}
