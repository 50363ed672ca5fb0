import type { LeadFilters as WireFilters, LeadView, VisitView, WalkRouteView } from '../../core/contracts/leads-contract';
import { exportLeads, type ExportFormat } from '../../core/leads/lead-export';
import { exportRows, OPEN_STATUSES } from '../../core/leads/lead-lists';
import { countLeads, listLeads, type Lead, type LeadFilters } from '../../core/leads/leads-store';
import type { Visit } from '../../core/leads/visits-store';
import { walkRoute } from '../../core/leads/walk-route';
import type { LatLng } from '../../core/domain/geo';
import type { Db } from '../../core/store/database';

/** Leads as the renderer and the CLI see them: store rows to views, filters to store filters. */

export function leadView(lead: Lead): LeadView {
  return {
    id: lead.id,
    propertyId: lead.propertyId,
    territoryId: lead.territoryId,
    address: lead.address,
    lat: lead.lat,
    lng: lead.lng,
    score: lead.score,
    probability: lead.probability,
    contributions: lead.contributions,
    reasons: lead.reasons,
    conditionScore: lead.conditionScore,
    conditionConfidence: lead.conditionConfidence,
    roofAgeYears: lead.roofAgeYears,
    hailMaxInches: lead.hailMaxInches,
    hailLastAt: lead.hailLastAt,
    status: lead.status,
    assignedTo: lead.assignedTo,
    freeSourcesOnly: lead.freeSourcesOnly,
    modelId: lead.modelId,
    scoredAt: lead.scoredAt,
  };
}

export function visitView(visit: Visit): VisitView {
  return { id: visit.id, leadId: visit.leadId, outcome: visit.outcome, note: visit.note, position: visit.position, visitedAt: visit.visitedAt, rep: visit.rep };
}

export function storeFilters(filters: WireFilters | undefined, defaults: { limit: number }): LeadFilters {
  const given = filters ?? {};
  return {
    ...(given.territoryId ? { territoryId: given.territoryId } : {}),
    ...(given.bbox ? { bbox: given.bbox } : {}),
    ...(given.assignedTo ? { assignedTo: given.assignedTo } : {}),
    ...(given.minScore !== undefined ? { minScore: given.minScore } : {}),
    ...(given.hailSince ? { hailSince: `${given.hailSince}T00:00:00.000Z` } : {}),
    ...(given.minRoofAgeYears !== undefined ? { minRoofAgeYears: given.minRoofAgeYears } : {}),
    ...(given.statuses ? { statuses: given.statuses } : {}),
    limit: given.limit ?? defaults.limit,
    offset: given.offset ?? 0,
  };
}

export function leadList(db: Db, filters: WireFilters): { leads: LeadView[]; total: number } {
  const store = storeFilters(filters, { limit: 100 });
  const { limit: _limit, offset: _offset, ...counted } = store;
  return { leads: listLeads(db, store).map(leadView), total: countLeads(db, counted) };
}


export function leadRoute(db: Db, from: LatLng, top: number, filters: WireFilters | undefined): WalkRouteView {
  const store = storeFilters(filters, { limit: top });
  const leads = listLeads(db, { ...store, statuses: store.statuses ?? OPEN_STATUSES, limit: top, offset: 0 });
  const route = walkRoute(from, leads.map((lead) => ({ id: lead.id, lat: lead.lat, lng: lead.lng })));
  const byId = new Map(leads.map((lead) => [lead.id, lead]));
  return {
    stops: route.order.map((id, index) => {
      const lead = byId.get(id)!;
      return { leadId: id, address: lead.address, lat: lead.lat, lng: lead.lng, score: lead.score, legM: route.legsM[index] ?? 0 };
    }),
    totalM: route.totalM,
    nearestNeighbourM: route.nearestNeighbourM,
  };
}

const MIME: Record<ExportFormat, string> = { csv: 'text/csv', geojson: 'application/geo+json', kml: 'application/vnd.google-earth.kml+xml' };

export function leadExport(db: Db, format: ExportFormat, filters: WireFilters | undefined): { filename: string; mime: string; text: string; rows: number } {
  const { limit: _limit, offset: _offset, ...matching } = storeFilters(filters, { limit: 1 });
  const rows = exportRows(db, matching, filters?.limit);
  const day = new Date().toISOString().slice(0, 10);
  return { filename: `fishmouth-leads-${day}.${format}`, mime: MIME[format], text: exportLeads(format, rows, `Fish Mouth leads ${day}`), rows: rows.length };
}
