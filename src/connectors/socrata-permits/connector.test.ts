import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sourcePolicy } from '../../core/cost/sources';
import { ConnectorError, type ConnectorErrorKind } from '../../core/http/errors';
import type { Fault } from '../../emulators/faults';
import type { EmulatorRoute } from '../../emulators/route-types';
import { emulatedSource, failure, type EmulatedSource } from '../arcgis-parcels/emulator.testkit';
import { testWorld } from '../arcgis-parcels/world.testkit';
import { buildPermitQuery, fetchPermits, fetchSodaRows } from './connector';
import { socrataPermitsEmulator } from './emulator';
import { findPortal, type PortalConfig } from './portals';

/** The real HTTP client against the permit emulator on loopback, through every kind of fault. */

const world = testWorld({ lotsPerStreet: 8, streets: 2 });
const demo = findPortal('demo')!;
let source: EmulatedSource;

beforeAll(async () => {
  source = await emulatedSource(socrataPermitsEmulator, world);
});
afterAll(() => source.close());
afterEach(() => source.emulators.setFaults('socrata-permits', null));

describe('Socrata permits connector: refusals', () => {
  it('a private dataset (the real 403 body) is refused-by-source with advice about the token and dataset', async () => {
    const error = await failure(fetchPermits(source.db, { ...demo, datasetId: 'priv-ate0' }, world.bbox));
    expect(error).toMatchObject({ kind: 'refused-by-source', status: 403 });
    expect(error.message).toMatch(/Building permits \(Demo City permits \(emulator\)\) refused access: "You must be logged in to access this resource".*Settings → API keys/);
  });

  it('a refused app token is refused-by-source', async () => {
    const error = await failure(fetchPermits(source.db, demo, world.bbox, { appToken: 'bad-token-value' }));
    expect(error).toMatchObject({ kind: 'refused-by-source', message: expect.stringMatching(/Invalid app_token specified/) });
  });

  it('a roofing filter naming a missing column comes back as Socrata\'s 400 and says to fix the mapping', async () => {
    const broken: PortalConfig = { ...demo, roofing: { ...demo.roofing, where: "upper(roof_type) like '%SHINGLE%'" } };
    const error = await failure(fetchPermits(source.db, broken, world.bbox));
    expect(error).toMatchObject({ kind: 'refused-by-source', status: 400 });
    expect(error.message).toMatch(/No such column: roof_type.*field mapping or roofing filter.*Settings → Data sources/);
  });

  it('a SoQL filter the portal cannot parse is refused the same way', async () => {
    const broken: PortalConfig = { ...demo, roofing: { ...demo.roofing, where: "description ~ 'roof'" } };
    expect(await failure(fetchPermits(source.db, broken, world.bbox))).toMatchObject({ kind: 'refused-by-source', message: expect.stringMatching(/Could not parse SoQL query/) });
  });

  it('an unknown dataset says to check its id', async () => {
    const error = await failure(fetchPermits(source.db, { ...demo, datasetId: 'abcd-1234' }, world.bbox));
    expect(error).toMatchObject({ kind: 'http-status', status: 404, message: expect.stringMatching(/dataset was not found.*dataset id/) });
  });

  it('a portal with no address of its own needs the source address', async () => {
    const error = await failure(fetchPermits(source.db, demo, world.bbox, { policy: { ...sourcePolicy(source.db, 'socrata-permits')!, baseUrl: null } }));
    expect(error).toMatchObject({ kind: 'not-configured', message: expect.stringMatching(/no portal address.*Settings → Data sources/) });
  });

  it('refuses a start date that is not a date before asking anything', () => {
    expect(() => buildPermitQuery(demo, null, { since: "2020-01-01' OR 1=1 --" })).toThrow(/is not a date/);
  });
});

describe('Socrata permits connector: faults', () => {
  it('waits out a 429 with Retry-After, then pages on', async () => {
    source.emulators.setFaults('socrata-permits', { fault: { kind: 'rate-limited', retryAfter: 1 }, times: 1 });
    const fetched = await fetchPermits(source.db, demo, world.bbox);
    expect(fetched.permits.length).toBe(world.permits().filter((p) => p.isRoofing).length);
  });

  const cases: Array<[string, Fault, ConnectorErrorKind]> = [
    ['a lasting 503', { kind: 'server-error', status: 503 }, 'server-error'],
    ['an HTML error page', { kind: 'html-error-page', status: 502 }, 'html-error-page'],
    ['a body cut in half', { kind: 'truncated' }, 'truncated'],
    ['a garbled body', { kind: 'malformed' }, 'malformed-body'],
    ['a wrong content type', { kind: 'wrong-content-type' }, 'wrong-content-type'],
  ];
  for (const [what, fault, kind] of cases) {
    it(`turns ${what} into '${kind}' naming the portal`, async () => {
      source.emulators.setFaults('socrata-permits', { fault });
      const error = await failure(fetchPermits(source.db, demo, world.bbox, { retries: 1 }));
      expect(error.kind).toBe(kind);
      expect(error.message).toContain('Building permits (Demo City permits (emulator))');
    });
  }

  it('gives up on a portal that never answers, as a timeout', async () => {
    source.emulators.setFaults('socrata-permits', { fault: { kind: 'hang' } });
    expect((await failure(fetchPermits(source.db, demo, world.bbox, { timeoutMs: 300, retries: 0 }))).kind).toBe('timeout');
  });
});

describe('Socrata paging on the real sample pages', () => {
  const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/socrata-permits', import.meta.url));
  it.skipIf(!existsSync(FIXTURES))('reads the real 1000-row page, then the real 1-row page, and stops', async () => {
    const pages = ['sodapy_bike_counts_page_1.json', 'sodapy_bike_counts_page_2.json'].map((name) => readFileSync(join(FIXTURES, name), 'utf8'));
    const replay: EmulatorRoute = {
      source: 'socrata-permits',
      prefix: '/socrata-permits',
      handle: (request) => ({ status: 200, headers: { 'content-type': 'application/json;charset=utf-8' }, body: pages[Number(request.query.get('$offset')) / 1000] ?? '[]' }),
    };
    const real = await emulatedSource(replay, world);
    try {
      const rows: unknown[] = [];
      const paged = await fetchSodaRows(real.db, demo, { select: 'id,date,counts,status', where: null, order: ':id' }, {}, (page) => rows.push(...page));
      expect(paged).toEqual({ pages: 2, rows: 1001, complete: true });
      expect(real.emulators.requests('socrata-permits').map((r) => new URLSearchParams(r.query).get('$offset'))).toEqual(['0', '1000']);
    } finally {
      await real.close();
    }
  });
});
