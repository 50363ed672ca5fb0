import { afterEach, describe, expect, it } from 'vitest';
import { isBuilt } from './helpers';
import { demoScanRig, type DemoScanRig } from './scan-kit';

/**
 * A demo scan ends with leads a rep can act on: every located property assessed (roof condition
 * with the model and inputs that produced it) and scored (with reasons in plain words), ranked,
 * routed, visited and exported — through the real host and its six services.
 */

const PROPERTIES = 60;

let rig: DemoScanRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

const built = isBuilt();
describe.skipIf(!built)('leads at the end of a demo scan', () => {
  it('assesses and scores every property, ranks them, routes the top ones, logs a visit and exports them', async () => {
    rig = await demoScanRig({ properties: PROPERTIES });
    const runId = await rig.startScan();
    const status = await rig.finished(runId, 240_000);
    expect(status.state).toBe('completed');
    const leads = status.summary!.leads!;
    expect(leads.leads).toBe(PROPERTIES);
    expect(leads.top.length).toBe(10);
    expect(leads.top[0]!.reasons.length).toBeGreaterThan(0);
    expect(leads.payForEverythingMicros).toBeGreaterThan(status.summary!.spendMicros);

    // Every assessment says which model made it and from what, so it can be reproduced.
    const assessments = rig.db.prepare('SELECT condition_score, confidence, inputs, model_id, model_sha256 FROM roof_assessments WHERE run_id = ?').all(runId) as Array<{ condition_score: number; confidence: number; inputs: string; model_id: string; model_sha256: string }>;
    expect(assessments).toHaveLength(PROPERTIES);
    for (const row of assessments) {
      expect(row.model_id).toBe('roof-condition-v1');
      expect(row.model_sha256).toMatch(/^[0-9a-f]{64}$/);
      expect((JSON.parse(row.inputs) as { vector: number[] }).vector.length).toBeGreaterThan(5);
    }

    const api = rig.link!.api;
    const list = await api.listLeads({ limit: 100 });
    expect(list.total).toBe(PROPERTIES);
    const scores = list.leads.map((lead) => lead.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const best = list.leads[0]!;
    expect(best.contributions.length).toBeGreaterThan(3);
    expect(best.contributions[0]!.text).toMatch(/[+−-]\d/);
    expect(best.modelId).toBe('lead-score-v1');
    // Reason codes agree with the facts they name.
    for (const lead of list.leads) {
      if (lead.reasons.some((reason) => reason.code === 'roof-age-over-20')) expect(lead.roofAgeYears).toBeGreaterThan(20);
      if (lead.reasons.some((reason) => reason.code.startsWith('hail'))) expect(lead.hailMaxInches).not.toBeNull();
    }

    const route = await api.planRoute({ lat: best.lat, lng: best.lng }, 12);
    expect(route.stops).toHaveLength(12);
    expect(route.totalM).toBeLessThanOrEqual(route.nearestNeighbourM + 1e-6);

    const logged = await api.logVisit({ leadId: best.id, outcome: 'appointment', note: 'Back Tuesday, wants a quote', position: { lat: best.lat, lng: best.lng } });
    expect(logged.lead.status).toBe('appointment');
    const detail = await api.getLead(best.id);
    expect(detail?.visits.map((visit) => visit.outcome)).toEqual(['appointment']);

    const csv = await api.exportLeads('csv', { minScore: 0 });
    expect(csv.rows).toBe(PROPERTIES);
    expect(csv.text.split(/\r?\n/)[0]).toMatch(/^rank,lead_id,address/);
    const geojson = JSON.parse((await api.exportLeads('geojson')).text) as { type: string; features: unknown[] };
    expect(geojson.type).toBe('FeatureCollection');

    // A rescan rescored the same leads and kept the rep's work.
    const again = await rig.finished(await rig.startScan(), 240_000);
    expect(again.state).toBe('completed');
    expect((await api.getLead(best.id))?.lead.status).toBe('appointment');
    expect(rig.db.prepare('SELECT count(*) FROM leads').pluck().get()).toBe(PROPERTIES);
  }, 480_000);
});
