import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../store/database';
import { pendingOutbox } from '../store/outbox';
import { migratedTestDb } from '../store/store.testkit';
import { addLead, scoredLeadInput } from './leads.testkit';
import { getLead, upsertLead } from './leads-store';
import { latestVisits, logVisit, trainingOutcomes, visitsOf } from './visits-store';

let db: Db;
let cleanup: () => void;
beforeEach(() => ({ db, cleanup } = migratedTestDb('fm-visits-')));
afterEach(() => cleanup());

const here = { lat: 30.5083, lng: -97.6789 };

describe('logVisit', () => {
  it('keeps the outcome, note, place and rep with the model’s vector, and moves the lead’s status', () => {
    const lead = addLead(db, here, { features: [0.9, 31, 2], modelId: 'lead-score-v3' });
    const visit = logVisit(db, { leadId: lead.id, outcome: 'appointment', note: 'Come back Tuesday, "after 5"', position: { lat: 30.50831, lng: -97.67893 }, rep: 'Sam', at: '2024-06-03T17:05:00-05:00' });
    expect(visit).toMatchObject({
      leadId: lead.id,
      propertyId: lead.propertyId,
      outcome: 'appointment',
      note: 'Come back Tuesday, "after 5"',
      position: { lat: 30.50831, lng: -97.67893 },
      rep: 'Sam',
      visitedAt: '2024-06-03T22:05:00.000Z',
      features: [0.9, 31, 2],
      modelId: 'lead-score-v3',
    });
    expect(getLead(db, lead.id)!.status).toBe('appointment');
    // Both the visit and the status change wait in the outbox for sync.
    expect(pendingOutbox(db, 100).filter((op) => op.tableName === 'visits').map((op) => op.rowId)).toEqual([visit.id]);
    expect(pendingOutbox(db, 100).filter((op) => op.tableName === 'leads' && op.op === 'update')).toHaveLength(1);
  });

  it('a visit logged late with an earlier time does not undo the later outcome', () => {
    const lead = addLead(db, here);
    logVisit(db, { leadId: lead.id, outcome: 'sold', at: '2024-06-05T15:00:00Z' });
    logVisit(db, { leadId: lead.id, outcome: 'not_home', at: '2024-06-01T15:00:00Z' });
    expect(getLead(db, lead.id)!.status).toBe('sold');
    expect(visitsOf(db, lead.id).map((v) => v.outcome)).toEqual(['not_home', 'sold']);
    expect(latestVisits(db, [lead.id]).get(lead.id)!.outcome).toBe('sold');
  });

  it('refuses an unknown lead, an unknown outcome, a place off the Earth and a future time; nothing is written', () => {
    const lead = addLead(db, here);
    expect(() => logVisit(db, { leadId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', outcome: 'sold' })).toThrow(/no lead/);
    expect(() => logVisit(db, { leadId: lead.id, outcome: 'maybe' as never })).toThrow(/must be one of contacted, appointment/);
    expect(() => logVisit(db, { leadId: lead.id, outcome: 'sold', position: { lat: 30, lng: -200 } })).toThrow(/longitude/);
    expect(() => logVisit(db, { leadId: lead.id, outcome: 'sold', at: '2999-01-01T00:00:00Z' })).toThrow(/future/);
    expect(visitsOf(db, lead.id)).toEqual([]);
    expect(getLead(db, lead.id)!.status).toBe('new');
  });

  it('visits are permanent: the database refuses to change or delete one', () => {
    const lead = addLead(db, here);
    logVisit(db, { leadId: lead.id, outcome: 'contacted' });
    expect(() => db.prepare("UPDATE visits SET outcome = 'sold'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM visits').run()).toThrow(/never deleted/);
  });
});

describe('trainingOutcomes', () => {
  it('gives each lead’s latest decisive outcome with the vector it was visited with', () => {
    const sold = addLead(db, here, { features: [1, 2, 3] });
    const notHome = addLead(db, here, { features: [4, 5, 6] });
    const onlyContacted = addLead(db, here);
    logVisit(db, { leadId: sold.id, outcome: 'not_home', at: '2024-06-01T15:00:00Z' });
    logVisit(db, { leadId: sold.id, outcome: 'contacted', at: '2024-06-02T15:00:00Z' });
    logVisit(db, { leadId: sold.id, outcome: 'sold', at: '2024-06-03T15:00:00Z' });
    logVisit(db, { leadId: notHome.id, outcome: 'not_home', at: '2024-06-02T16:00:00Z' });
    logVisit(db, { leadId: onlyContacted.id, outcome: 'contacted' });
    // A rescore after the visit does not rewrite what the rep saw at the door.
    upsertLead(db, scoredLeadInput(notHome.propertyId, here, { features: [9, 9, 9] }));

    expect(trainingOutcomes(db)).toEqual([
      { leadId: notHome.id, propertyId: notHome.propertyId, outcome: 'not_home', label: 0, features: [4, 5, 6], modelId: 'lead-score-v1', visitedAt: '2024-06-02T16:00:00.000Z' },
      { leadId: sold.id, propertyId: sold.propertyId, outcome: 'sold', label: 1, features: [1, 2, 3], modelId: 'lead-score-v1', visitedAt: '2024-06-03T15:00:00.000Z' },
    ]);
  });
});
