import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { haversineM } from '../../core/imagery/geometry';
import { addLead } from '../../core/leads/leads.testkit';
import { setLeadStatus } from '../../core/leads/leads-store';
import { createTerritory, openDatabase, runMigrations } from '../../core/store';
import { EXIT } from '../command';
import { testContext } from '../context.testkit';
import { runCli } from '../run';
import { routeCommand } from './route';

const root = mkdtempSync(join(tmpdir(), 'fishmouth-route-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

const start = { lat: 30.505, lng: -97.685 };
/** Doors along one street east of the start, scored so that the ranking zig-zags along it. */
const street = [0.003, 0.001, 0.004, 0.002, 0.005].map((dLng, i) => ({ lat: start.lat, lng: start.lng + dLng, score: 90 - i }));

function seeded() {
  const data = join(root, `data-${++counter}`);
  const db = openDatabase(data);
  runMigrations(db);
  const north = createTerritory(db, {
    name: 'North',
    geometry: { type: 'Polygon', coordinates: [[[-97.7, 30.5], [-97.6, 30.5], [-97.6, 30.6], [-97.7, 30.6], [-97.7, 30.5]]] },
  });
  const leads = street.map((door, i) => addLead(db, door, { territoryId: north.id, score: door.score, address: `${200 + i} Bramble Lane` }));
  // Sold and low-scoring doors are not walked to.
  const sold = addLead(db, { lat: start.lat, lng: start.lng + 0.0015 }, { territoryId: north.id, score: 99, address: '9 Sold Ct' });
  setLeadStatus(db, sold.id, 'sold', 'Sam');
  addLead(db, { lat: 30.41, lng: -97.68 }, { territoryId: null, score: 98, address: 'Outside' });
  db.close();
  return { data, leads, sold };
}

async function run(args: string[]) {
  const ctx = testContext();
  const code = await runCli(['route', ...args], ctx, [routeCommand]);
  return { code, out: ctx.out(), err: ctx.err(), json: () => JSON.parse(ctx.out()) };
}

describe('fishmouth route', () => {
  it('walks the best open leads of the territory in street order, with legs and the total in km and miles', async () => {
    const { data, leads } = seeded();
    const result = await run(['--territory', 'North', '--from', `${start.lat},${start.lng}`, '--json', '--data', data]);
    expect(result.code).toBe(EXIT.ok);
    const route = result.json();
    // Along the street from the start: +0.001, +0.002, … regardless of rank.
    expect(route.stops.map((s: { leadId: string }) => s.leadId)).toEqual([leads[1]!.id, leads[3]!.id, leads[0]!.id, leads[2]!.id, leads[4]!.id]);
    const expected = haversineM(start, { lat: start.lat, lng: start.lng + 0.005 });
    expect(route.totalM).toBeCloseTo(expected, 0);
    expect(route.totalKm).toBeCloseTo(expected / 1000, 3);
    expect(route.totalMi).toBeCloseTo(expected / 1609.344, 3);
    expect(route.stops[0]).toMatchObject({ stop: 1, address: '201 Bramble Lane', score: 89, status: 'new' });
    expect(route.stops[4].cumulativeM).toBeCloseTo(route.totalM, 0);
    expect(route).toMatchObject({ territory: { name: 'North' }, from: start, method: 'exact' });
  });

  it('takes only the top N, and prints a table a rep can follow', async () => {
    const { data, leads } = seeded();
    const result = await run(['--territory', 'north', '--from', `${start.lat},${start.lng}`, '--top', '2', '--data', data]);
    expect(result.code).toBe(EXIT.ok);
    const lines = result.out.trim().split('\n');
    expect(lines[0]).toBe('Walk through 2 leads in North:');
    expect(lines[2]).toMatch(/^STOP\s+ADDRESS\s+SCORE\s+STATUS\s+LEG\s+SO FAR\s+LEAD ID$/);
    expect(lines[3]).toMatch(new RegExp(`^\\s*1\\s+201 Bramble Lane\\s+89\\s+new\\s+96 m / 314 ft\\s+0\\.10 km\\s+${leads[1]!.id}$`));
    expect(lines[4]).toMatch(/^\s*2\s+200 Bramble Lane\s+90\s+new\s+192 m \/ 629 ft\s+0\.29 km/);
    expect(lines.at(-1)).toMatch(/^Total walking distance 0\.29 km \(0\.18 mi\), straight lines\.$/);
  });

  it('walks to sold doors only when asked, and says so when there is nothing to walk to', async () => {
    const { data, sold } = seeded();
    const withSold = (await run(['--territory', 'North', '--from', `${start.lat},${start.lng}`, '--status', 'sold', '--json', '--data', data])).json();
    expect(withSold.stops.map((s: { leadId: string }) => s.leadId)).toEqual([sold.id]);
    const none = await run(['--territory', 'North', '--from', `${start.lat},${start.lng}`, '--min-score', '100', '--data', data]);
    expect(none.code).toBe(EXIT.ok);
    expect(none.out).toMatch(/No leads to walk to in North/);
  });

  it('fails plainly for an unknown territory', async () => {
    const { data } = seeded();
    const result = await run(['--territory', 'Nowhere', '--from', '30.5,-97.6', '--data', data]);
    expect(result.code).toBe(EXIT.failure);
    expect(result.err).toMatch(/no territory called "Nowhere"/);
  });

  it.each([
    [['--from', '30.5,-97.6'], /--territory is required/],
    [['--territory', 'North'], /--from is required: where the walk starts, as LAT,LNG/],
    [['--territory', 'North', '--from', '30.5'], /--from "30\.5" is not LAT,LNG/],
    [['--territory', 'North', '--from', '95,-97.6'], /--from "95,-97\.6" is not a place: latitude must be from -90 to 90/],
    [['--territory', 'North', '--from', '30.5,-97.6', '--top', '0'], /--top must be at least 1/],
    [['--territory', 'North', '--from', '30.5,-97.6', '--top', '5000'], /--top must be at most 1,000/],
    [['--territory', 'North', '--from', '30.5,-97.6', 'extra'], /route takes no arguments/],
  ])('refuses %j with a usage error', async (args, message) => {
    const result = await run([...args, '--data', join(root, 'unused')]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toMatch(message);
  });
});
