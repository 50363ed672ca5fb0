import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAudit } from '../store/audit';
import type { Db } from '../store/database';
import { pendingOutbox } from '../store/outbox';
import { addHouse, migratedTestDb } from '../store/store.testkit';
import { addLead, scoredLeadInput } from './leads.testkit';
import { assignLeads, countLeads, getLead, listLeads, setLeadStatus, upsertLead } from './leads-store';

let db: Db;
let cleanup: () => void;
beforeEach(() => ({ db, cleanup } = migratedTestDb('fm-leads-')));
afterEach(() => cleanup());

const here = { lat: 30.5083, lng: -97.6789 };

describe('upsertLead', () => {
  it('creates one lead per property, new and unassigned, with its reasons read back', () => {
    const lead = addLead(db, here, { score: 72 });
    expect(lead).toMatchObject({ score: 72, status: 'new', assignedTo: null, conditionScore: 40, roofAgeYears: 22, hailMaxInches: 1.75, freeSourcesOnly: true });
    expect(lead.reasons.map((r) => r.code)).toEqual(['roof-age-over-20', 'hail-1.75-within-1mi-12mo']);
    expect(lead.contributions[0]).toMatchObject({ feature: 'roof_age_years', logit: 0.8 });
    expect(lead.features).toEqual([0.4, 22, 1.75]);
    expect(getLead(db, lead.id)).toEqual(lead);
    // Synced: the insert went to the outbox for the shared database.
    expect(pendingOutbox(db, 100).filter((op) => op.tableName === 'leads' && op.rowId === lead.id)).toHaveLength(1);
  });

  it('a rescore replaces the score and facts but keeps the rep’s status and assignment', () => {
    const lead = addLead(db, here, { score: 55 });
    setLeadStatus(db, lead.id, 'appointment', 'Dana');
    assignLeads(db, [lead.id], 'Sam', 'Dana');

    const rescored = upsertLead(db, scoredLeadInput(lead.propertyId, here, { score: 81, conditionScore: null, hailMaxInches: 2.5, reasons: [{ code: 'hail-2.5', text: 'Hail 2.5 in' }], scoredAt: '2024-06-01T12:00:00Z' }));
    expect(rescored.id).toBe(lead.id);
    expect(rescored).toMatchObject({ score: 81, conditionScore: null, hailMaxInches: 2.5, status: 'appointment', assignedTo: 'Sam', scoredAt: '2024-06-01T12:00:00.000Z' });
    expect(rescored.reasons).toEqual([{ code: 'hail-2.5', text: 'Hail 2.5 in' }]);
    expect(countLeads(db, {})).toBe(1);
  });

  it('refuses absurd input and writes nothing', () => {
    const propertyId = addHouse(db, here);
    expect(() => upsertLead(db, scoredLeadInput(propertyId, { lat: 95, lng: -97 }))).toThrow(/latitude must be from -90 to 90/);
    expect(() => upsertLead(db, scoredLeadInput(propertyId, here, { score: 140 }))).toThrow(/score/);
    expect(() => upsertLead(db, scoredLeadInput(propertyId, here, { hailLastAt: 'last Tuesday' }))).toThrow(/ISO-8601/);
    expect(() => upsertLead(db, scoredLeadInput(propertyId, here, { address: '  ' }))).toThrow(/address/);
    expect(countLeads(db, {})).toBe(0);
  });
});

describe('listLeads', () => {
  it('ranks by score, then id, and filters by territory, rep, score, hail date, roof age and status', () => {
    const a = addLead(db, here, { score: 90, territoryId: 't-north', roofAgeYears: 25, hailLastAt: '2024-05-01T00:00:00Z' });
    const b = addLead(db, here, { score: 70, territoryId: 't-north', roofAgeYears: 8, hailLastAt: '2023-01-01T00:00:00Z' });
    const c = addLead(db, here, { score: 70, territoryId: 't-south', roofAgeYears: null, hailMaxInches: null, hailLastAt: null });
    const d = addLead(db, here, { score: 30, territoryId: 't-north', roofAgeYears: 30, hailLastAt: null });
    const ids = (leads: { id: string }[]) => leads.map((l) => l.id);
    const tied = [b, c].map((l) => l.id).sort();

    expect(ids(listLeads(db, { limit: 10 }))).toEqual([a.id, ...tied, d.id]);
    expect(ids(listLeads(db, { limit: 2, offset: 1 }))).toEqual(tied);
    expect(ids(listLeads(db, { territoryId: 't-north', limit: 10 }))).toEqual([a.id, b.id, d.id]);
    expect(ids(listLeads(db, { minScore: 70, limit: 10 }))).toEqual([a.id, ...tied]);
    expect(ids(listLeads(db, { hailSince: '2024-01-01', limit: 10 }))).toEqual([a.id]);
    expect(ids(listLeads(db, { minRoofAgeYears: 20, limit: 10 }))).toEqual([a.id, d.id]);
    const far = addLead(db, { lat: 30.6, lng: -97.5 }, { score: 95 });
    expect(ids(listLeads(db, { bbox: [-97.7, 30.5, -97.6, 30.55], minScore: 70, limit: 10 }))).toEqual([a.id, ...tied]);
    expect(ids(listLeads(db, { bbox: [-97.55, 30.55, -97.45, 30.65], limit: 10 }))).toEqual([far.id]);

    assignLeads(db, [b.id, d.id], 'Sam', 'Dana');
    setLeadStatus(db, d.id, 'not_home', 'Sam');
    expect(ids(listLeads(db, { assignedTo: 'sam', limit: 10 }))).toEqual([b.id, d.id]);
    expect(ids(listLeads(db, { assignedTo: null, limit: 10 }))).toEqual([far.id, a.id, c.id]);
    expect(ids(listLeads(db, { statuses: ['new'], assignedTo: 'Sam', limit: 10 }))).toEqual([b.id]);
    expect(countLeads(db, { territoryId: 't-north', statuses: ['new', 'not_home'] })).toBe(3);
  });

  it('refuses a limit of zero and an unknown status', () => {
    expect(() => listLeads(db, { limit: 0 })).toThrow(/limit/);
    expect(() => listLeads(db, { limit: 5, statuses: ['maybe' as never] })).toThrow(/statuses/);
  });
});

describe('status and assignment', () => {
  it('records who changed a status, and a status set twice is one change', () => {
    const lead = addLead(db, here);
    expect(setLeadStatus(db, lead.id, 'contacted', 'Sam').status).toBe('contacted');
    setLeadStatus(db, lead.id, 'contacted', 'Sam');
    const audit = listAudit(db).filter((e) => e.action === 'lead-status-set');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'Sam', details: { leadId: lead.id, from: 'new', to: 'contacted' } });
  });

  it('assigns all the leads or none, and unassigns with null', () => {
    const a = addLead(db, here);
    const b = addLead(db, here);
    expect(() => assignLeads(db, [a.id, '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'], 'Sam', 'Dana')).toThrow(/no lead 0190a1b2/);
    expect(getLead(db, a.id)!.assignedTo).toBeNull();

    expect(assignLeads(db, [a.id, b.id, a.id], 'Sam', 'Dana').map((l) => l.assignedTo)).toEqual(['Sam', 'Sam']);
    expect(assignLeads(db, [b.id], null, 'Dana')[0]!.assignedTo).toBeNull();
    expect(listAudit(db).filter((e) => e.action === 'leads-assigned').map((e) => e.details)).toEqual([
      { rep: null, leadIds: [b.id] },
      { rep: 'Sam', leadIds: [a.id, b.id] },
    ]);
    expect(() => setLeadStatus(db, a.id, 'won' as never, 'Sam')).toThrow(/status/);
  });
});
