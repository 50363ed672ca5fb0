import { defineContract } from '../rpc/contract';
import type { LinkedClient } from '../rpc/linked-client';
import type { LatLng } from '../domain/geo';
import type { LeadStatus, VisitOutcome } from '../leads/types';
import { leadsViewMethods, type LeadFilters, type LeadView, type VisitView, type WalkRouteView } from './leads-contract';
import type { OrchestratorApiContract } from './orchestrator-api';

/**
 * Leads as the renderer sees them (served by the orchestrator, which asks the lead-generator):
 * ranked lists with filters, one lead's reasons and visits, a rep's status changes, assignments
 * and visits, walking routes and exports. Browser-safe.
 */

export const leadsMethods = leadsViewMethods;
export const leadsApiContract = defineContract({ name: 'leads', methods: leadsMethods, events: {} });
export type LeadsApiContract = typeof leadsApiContract;

/** The renderer's part of FishMouthApi. */
export interface LeadsApi {
  listLeads(filters?: LeadFilters): Promise<{ leads: LeadView[]; total: number }>;
  getLead(id: string): Promise<{ lead: LeadView; visits: VisitView[] } | null>;
  setLeadStatus(id: string, status: LeadStatus): Promise<LeadView>;
  assignLeads(ids: string[], rep: string | null): Promise<{ updated: number }>;
  logVisit(visit: { leadId: string; outcome: VisitOutcome; note?: string; position?: LatLng; rep?: string }): Promise<{ visit: VisitView; lead: LeadView }>;
  planRoute(from: LatLng, top: number, filters?: LeadFilters): Promise<WalkRouteView>;
  exportLeads(format: 'csv' | 'geojson' | 'kml', filters?: LeadFilters): Promise<{ filename: string; mime: string; text: string; rows: number }>;
}

export function leadsApi(client: LinkedClient<OrchestratorApiContract>): LeadsApi {
  return {
    listLeads: (filters = {}) => client.call('leads.list', filters),
    getLead: (id) => client.call('leads.get', { id }),
    setLeadStatus: (id, status) => client.call('leads.status', { id, status }),
    assignLeads: (ids, rep) => client.call('leads.assign', { ids, rep }),
    logVisit: (visit) => client.call('leads.visit', visit),
    planRoute: (from, top, filters) => client.call('leads.route', { from, top, ...(filters ? { filters } : {}) }),
    exportLeads: (format, filters) => client.call('leads.export', { format, ...(filters ? { filters } : {}) }),
  };
}
