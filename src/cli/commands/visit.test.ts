import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addLead } from '../../core/leads/leads.testkit';
import { getLead, type Lead } from '../../core/leads/leads-store';
import { trainingOutcomes, visitsOf } from '../../core/leads/visits-store';
import { openDatabase, pendingOutbox, runMigrations } from '../../core/store';
import { EXIT } from '../command';
import { runCommand, withDb } from './commands.testkit';
import { visitCommand } from './visit';

const root = mkdtempSync(join(tmpdir(), 'fishmouth-visit-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

function seeded(): { data: string; lead: Lead } {
  const data = join(root, `data-${++counter}`);
  const db = openDatabase(data);
  runMigrations(db);
  const lead = addLead(db, { lat: 30.505, lng: -97.685 }, { address: '12 Oak St, Round Rock, TX', features: [0.5, 25, 1.75] });
  db.close();
  return { data, lead };
}

const run = (args: string[]) => runCommand(visitCommand, args);

describe('fishmouth visit', () => {
  it('logs the outcome with its note, place and rep, moves the lead, and queues both for sync', async () => {
    const { data, lead } = seeded();
    const result = await run([lead.id, '--outcome', 'appointment', '--note', 'Thursday 4pm, wants "full tear-off", not repair', '--at', '30.50502,-97.68497', '--rep', 'Sam', '--data', data]);
    expect(result.code).toBe(EXIT.ok);
    expect(result.out).toMatch(/^Logged appointment at 12 Oak St, Round Rock, TX \(\d{4}-\d{2}-\d{2}T[\d:.]+Z, Sam\)\.\nThe lead is now appointment\.\n$/);
    withDb(data, (db) => {
      expect(getLead(db, lead.id)!.status).toBe('appointment');
      expect(visitsOf(db, lead.id)).toEqual([
        expect.objectContaining({ outcome: 'appointment', note: 'Thursday 4pm, wants "full tear-off", not repair', position: { lat: 30.50502, lng: -97.68497 }, rep: 'Sam', features: [0.5, 25, 1.75] }),
      ]);
      expect(pendingOutbox(db, 100).some((op) => op.tableName === 'visits')).toBe(true);
      expect(trainingOutcomes(db)).toEqual([expect.objectContaining({ leadId: lead.id, label: 1, features: [0.5, 25, 1.75] })]);
    });
  });

  it('takes a visit logged late with its own time, and keeps the later outcome as the status', async () => {
    const { data, lead } = seeded();
    expect((await run([lead.id, '--outcome', 'sold', '--when', '2024-06-05T15:00:00Z', '--data', data])).code).toBe(EXIT.ok);
    const late = await run([lead.id, '--outcome', 'not home', '--when', '2024-06-01T09:30:00-05:00', '--json', '--data', data]);
    expect(late.code).toBe(EXIT.ok);
    expect(late.json()).toMatchObject({ ok: true, visit: { outcome: 'not_home', visitedAt: '2024-06-01T14:30:00.000Z', position: null }, lead: { id: lead.id, status: 'sold' } });
    const text = await run([lead.id, '--outcome', 'contacted', '--when', '2024-05-01', '--data', data]);
    expect(text.out).toMatch(/The lead stays sold: a later visit says so\./);
  });

  it('fails plainly for a lead that does not exist', async () => {
    const { data } = seeded();
    const result = await run(['0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', '--outcome', 'sold', '--json', '--data', data]);
    expect(result.code).toBe(EXIT.failure);
    expect(result.json()).toMatchObject({ ok: false, error: { kind: 'not-found', message: expect.stringMatching(/no lead 0190a1b2.*fishmouth leads/) } });
  });

  it('refuses a time in the future as the device clock being wrong', async () => {
    const { data, lead } = seeded();
    const result = await run([lead.id, '--outcome', 'sold', '--when', '2999-01-01', '--data', data]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toMatch(/is in the future; check the device clock/);
    withDb(data, (db) => expect(visitsOf(db, lead.id)).toEqual([]));
  });

  it.each([
    [['--outcome', 'sold'], /say which lead/],
    [['abc', '--outcome', 'sold'], /"abc" is not a lead id/],
    [['0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'], /--outcome is required: contacted, appointment, sold, not_interested, not_home/],
    [['0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', '--outcome', 'won'], /--outcome must be one of contacted/],
    [['0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', '--outcome', 'sold', '--at', '30.5;-97.6'], /--at "30\.5;-97\.6" is not LAT,LNG/],
    [['0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', '--outcome', 'sold', '--at', '30.5,-197.6'], /--at "30\.5,-197\.6" is not a place: longitude/],
    [['0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', '--outcome', 'sold', '--when', 'yesterday'], /--when must be a date/],
    [['0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', 'extra', '--outcome', 'sold'], /unexpected argument "extra"/],
  ])('refuses %j with a usage error', async (args, message) => {
    const result = await run([...args, '--data', join(root, 'unused')]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toMatch(message);
  });
});
