import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { EXPORT_COLUMNS } from '../../core/leads/lead-export';
import { addLead } from '../../core/leads/leads.testkit';
import { getLead } from '../../core/leads/leads-store';
import { logVisit } from '../../core/leads/visits-store';
import { createTerritory, listAudit, openDatabase, runMigrations, type Db } from '../../core/store';
import { EXIT } from '../command';
import { runCommand, withDb } from './commands.testkit';
import { leadsCommand } from './leads';

const root = mkdtempSync(join(tmpdir(), 'fishmouth-leads-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

const square = (lng: number, lat: number) => ({
  type: 'Polygon' as const,
  coordinates: [[[lng, lat], [lng + 0.02, lat], [lng + 0.02, lat + 0.02], [lng, lat + 0.02], [lng, lat]]],
});

/** A data folder with two territories and five scored leads (four in North). */
function seeded() {
  const data = join(root, `data-${++counter}`);
  const db: Db = openDatabase(data);
  runMigrations(db);
  const north = createTerritory(db, { name: 'North', geometry: square(-97.69, 30.5) });
  const south = createTerritory(db, { name: 'South', geometry: square(-97.69, 30.4) });
  const at = (i: number) => ({ lat: 30.505 + i * 0.001, lng: -97.685 + i * 0.0007 });
  const leads = {
    top: addLead(db, at(0), { territoryId: north.id, score: 91, address: '101 Bramble Lane, Round Rock, TX', roofAgeYears: 24, hailLastAt: '2024-05-02T20:00:00Z' }),
    second: addLead(db, at(1), { territoryId: north.id, score: 77, address: '7 Oak St, "Unit B", Round Rock, TX', roofAgeYears: 12, hailMaxInches: null, hailLastAt: null }),
    third: addLead(db, at(2), { territoryId: north.id, score: 64, address: '9 Elm Ct, Round Rock, TX', roofAgeYears: 31, hailLastAt: '2023-03-01T00:00:00Z' }),
    low: addLead(db, at(3), { territoryId: north.id, score: 20, address: '3 Ash Way, Round Rock, TX' }),
    south: addLead(db, { lat: 30.41, lng: -97.68 }, { territoryId: south.id, score: 99, address: '1 South Rd, Round Rock, TX' }),
  };
  logVisit(db, { leadId: leads.second.id, outcome: 'not_home', note: 'Gate locked,\nleft a "door hanger"', at: '2024-06-03T17:00:00Z' });
  db.close();
  return { data, leads, north, south };
}

const run = (args: string[]) => runCommand(leadsCommand, args);

describe('fishmouth leads', () => {
  it('prints the ranked table of a territory with the reason for each lead', async () => {
    const { data, leads } = seeded();
    const text = await run(['--territory', 'north', '--limit', '3', '--data', data]);
    expect(text.code).toBe(EXIT.ok);
    const lines = text.out.trim().split('\n');
    expect(lines[0]).toBe('Leads in North: 1-3 of 4, best first');
    expect(lines[2]).toMatch(/^RANK\s+SCORE\s+ADDRESS\s+CONDITION\s+ROOF AGE\s+HAIL\s+STATUS\s+TOP REASON\s+LEAD ID$/);
    expect(lines[3]).toMatch(new RegExp(`^\\s*1\\s+91\\s+101 Bramble Lane, Round Rock, TX\\s+40/100\\s+24 y\\s+1\\.75 in 2024-05-02\\s+new\\s+Roof older than 20 years\\s+${leads.top.id}$`));
    expect(lines[4]).toMatch(/^\s*2\s+77\s+7 Oak St, "Unit B", Round Rock, TX\s+40\/100\s+12 y\s+-\s+not home\s+Roof older/);
    expect(lines).toHaveLength(6);
  });

  it('filters by score, status, hail date, roof age and rep, and pages with --offset, as JSON', async () => {
    const { data, leads } = seeded();
    const ids = async (args: string[]) => (await run([...args, '--json', '--data', data])).json().leads.map((l: { id: string }) => l.id);
    expect(await ids(['--territory', 'North', '--min-score', '60'])).toEqual([leads.top.id, leads.second.id, leads.third.id]);
    expect(await ids(['--status', 'new', '--territory', 'North'])).toEqual([leads.top.id, leads.third.id, leads.low.id]);
    expect(await ids(['--status', 'not home,new', '--min-score', '70'])).toEqual([leads.south.id, leads.top.id, leads.second.id]);
    expect(await ids(['--hail-since', '2024-01-01', '--territory', 'North'])).toEqual([leads.top.id, leads.low.id]);
    expect(await ids(['--min-roof-age', '20', '--territory', 'North'])).toEqual([leads.top.id, leads.third.id, leads.low.id]);

    const page = (await run(['--territory', 'North', '--limit', '2', '--offset', '2', '--json', '--data', data])).json();
    expect(page).toMatchObject({ ok: true, total: 4, offset: 2, territory: { name: 'North' } });
    expect(page.leads.map((l: { rank: number; id: string }) => [l.rank, l.id])).toEqual([[3, leads.third.id], [4, leads.low.id]]);
    expect(page.leads[0]).toMatchObject({ score: 64, reasons: [{ code: 'roof-age-over-20' }, expect.anything()], status: 'new' });

    expect((await run(['assign', leads.third.id, leads.low.id, '--rep', 'Sam', '--data', data])).code).toBe(EXIT.ok);
    expect(await ids(['--rep', 'sam'])).toEqual([leads.third.id, leads.low.id]);
    expect(await ids(['--unassigned', '--territory', 'North'])).toEqual([leads.top.id, leads.second.id]);
  });

  it('says so when nothing matches, and names the known territories for an unknown one', async () => {
    const { data } = seeded();
    const none = await run(['--min-score', '100', '--data', data]);
    expect(none.code).toBe(EXIT.ok);
    expect(none.out).toMatch(/No leads match\. A scan scores them/);
    const unknown = await run(['--territory', 'West', '--json', '--data', data]);
    expect(unknown.code).toBe(EXIT.failure);
    expect(unknown.json()).toMatchObject({ ok: false, error: { kind: 'unknown-territory', message: expect.stringMatching(/no territory called "West".*"North", "South"/) } });
  });

  it.each([
    [['--min-score', '120'], /--min-score must be from 0 to 100/],
    [['--limit', '0'], /--limit must be at least 1/],
    [['--limit', '2.5'], /--limit must be a whole number/],
    [['--status', 'won'], /--status "won" is not a status; use new, contacted/],
    [['--hail-since', 'last spring'], /--hail-since must be a date such as 2024-04-01/],
    [['--rep', 'Sam', '--unassigned'], /--unassigned and --rep cannot be given together/],
    [['export', '--out', 'x.txt'], /--format is required: csv, geojson or kml/],
    [['export', '--format', 'xlsx', '--out', 'x'], /--format must be csv, geojson, kml/],
    [['list', '--out', 'x.csv'], /--out is not an option of leads list/],
    [['assign', '--rep', 'Sam'], /say which leads/],
    [['assign', 'abc', '--rep', 'Sam', '--unassign'], /--rep is required .* one of the two/],
    [['purge'], /unknown action "purge"/],
  ])('refuses %j with a usage error', async (args, message) => {
    const result = await run([...args, '--data', join(root, 'unused')]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toMatch(message);
  });
});

describe('fishmouth leads export', () => {
  it('writes CSV with the documented columns that reads back, quotes and line breaks intact', async () => {
    const { data, leads } = seeded();
    const out = join(root, `north-${counter}.csv`);
    const result = await run(['export', '--territory', 'North', '--format', 'csv', '--out', out, '--data', data]);
    expect(result.code).toBe(EXIT.ok);
    expect(result.out).toMatch(/Wrote 4 leads to .*north-\d+\.csv \(csv\)/);
    const rows = parseCsv(readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([...EXPORT_COLUMNS]);
    expect(rows.map((r) => [r.rank, r.lead_id])).toEqual([['1', leads.top.id], ['2', leads.second.id], ['3', leads.third.id], ['4', leads.low.id]]);
    expect(rows[1]).toMatchObject({ address: '7 Oak St, "Unit B", Round Rock, TX', status: 'not_home', last_visit_outcome: 'not_home', last_visit_note: 'Gate locked,\nleft a "door hanger"', hail_max_in: '' });
    expect(readdirSync(root).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it('writes GeoJSON and KML, the format taken from the file name when not given', async () => {
    const { data, leads } = seeded();
    const geojson = join(root, `top-${counter}.geojson`);
    const json = await run(['export', '--out', geojson, '--limit', '2', '--json', '--data', data]);
    expect(json.json()).toMatchObject({ ok: true, format: 'geojson', count: 2, out: geojson });
    const collection = JSON.parse(readFileSync(geojson, 'utf8'));
    expect(collection.features.map((f: { id: string }) => f.id)).toEqual([leads.south.id, leads.top.id]);
    expect(collection.features[1].geometry).toEqual({ type: 'Point', coordinates: [-97.685, 30.505] });

    const kml = join(root, `north-${counter}.kml`);
    expect((await run(['export', '--territory', 'North', '--format', 'kml', '--out', kml, '--data', data])).code).toBe(EXIT.ok);
    const text = readFileSync(kml, 'utf8');
    expect(text).toContain('<name>Fish Mouth leads: North</name>');
    expect(text.match(/<Placemark>/g)).toHaveLength(4);
    expect(text).toContain('7 Oak St, &quot;Unit B&quot;, Round Rock, TX');
  });

  it('fails plainly when the folder to write in does not exist, leaving nothing behind', async () => {
    const { data } = seeded();
    const out = join(root, 'no-such-folder', 'leads.csv');
    const result = await run(['export', '--out', out, '--data', data]);
    expect(result.code).toBe(EXIT.failure);
    expect(result.err).toMatch(/Could not write .*leads\.csv .*check that the folder exists and is writable/);
    expect(existsSync(join(root, 'no-such-folder'))).toBe(false);
  });
});

describe('fishmouth leads assign', () => {
  it('assigns leads to a rep and back, recorded in the audit log; an unknown id changes nothing', async () => {
    const { data, leads } = seeded();
    const assigned = await run(['assign', leads.top.id, leads.second.id, '--rep', 'Sam Ortiz', '--actor', 'Dana', '--data', data]);
    expect(assigned.code).toBe(EXIT.ok);
    expect(assigned.out).toMatch(/^Assigned to Sam Ortiz: 2 leads \(by Dana\)\./);
    withDb(data, (db) => {
      expect(getLead(db, leads.top.id)!.assignedTo).toBe('Sam Ortiz');
      expect(listAudit(db).find((e) => e.action === 'leads-assigned')).toMatchObject({ actor: 'Dana', details: { rep: 'Sam Ortiz' } });
    });

    const missing = await run(['assign', leads.third.id, '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', '--rep', 'Lee', '--json', '--data', data]);
    expect(missing.code).toBe(EXIT.failure);
    expect(missing.json()).toMatchObject({ ok: false, error: { kind: 'not-found', message: expect.stringMatching(/nothing was assigned/) } });
    withDb(data, (db) => expect(getLead(db, leads.third.id)!.assignedTo).toBeNull());

    const back = await run(['assign', leads.top.id, '--unassign', '--json', '--data', data]);
    expect(back.json()).toMatchObject({ ok: true, rep: null, leads: [{ id: leads.top.id, assignedTo: null }] });

    const badId = await run(['assign', 'not-a-uuid', '--rep', 'Lee', '--data', data]);
    expect(badId.code).toBe(EXIT.usage);
    expect(badId.err).toMatch(/Expected a UUID/);
  });
});
