import type { LeadView } from '../../../core/contracts/leads-contract';
import { scoreBand, type ScoreBand } from './leads-view';

/*
 * Leads as map points (pure, tested in Node): one point per lead with what the circle layer needs
 * to size and colour it by score, and what a click needs to open it.
 */

export interface LeadPoint {
  type: 'Feature';
  id: number;
  geometry: { type: 'Point'; coordinates: [number, number] };
  properties: { id: string; propertyId: string; address: string; score: number; band: ScoreBand };
}
export interface LeadPoints {
  type: 'FeatureCollection';
  features: LeadPoint[];
}

/**
 * Drawn lowest score first, so where circles overlap the better lead is on top (and is clicked).
 * Note: numeric feature ids let the layer mark the selected lead with feature-state.
 */
export function leadPoints(leads: readonly Pick<LeadView, 'id' | 'propertyId' | 'address' | 'score' | 'lat' | 'lng'>[]): LeadPoints {
  const ordered = [...leads].sort((a, b) => a.score - b.score || a.id.localeCompare(b.id));
  return {
    type: 'FeatureCollection',
    features: ordered.map((lead, index) => ({
      type: 'Feature',
      id: index + 1,
      geometry: { type: 'Point', coordinates: [lead.lng, lead.lat] },
      properties: { id: lead.id, propertyId: lead.propertyId, address: lead.address, score: lead.score, band: scoreBand(lead.score) },
    })),
  };
}

/** The numeric feature id of a lead in `points` (for feature-state), or null when it is not drawn. */
export function featureIdOf(points: LeadPoints, leadId: string): number | null {
  return points.features.find((feature) => feature.properties.id === leadId)?.id ?? null;
}

/** The lead drawn for a property (a property has at most one lead), for clicks on property circles. */
export function leadOfProperty(points: LeadPoints, propertyId: string): { id: string; address: string } | null {
  const feature = points.features.find((f) => f.properties.propertyId === propertyId);
  return feature ? { id: feature.properties.id, address: feature.properties.address } : null;
}
