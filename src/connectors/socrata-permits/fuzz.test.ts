import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildingPermitSchema } from '../../core/domain/records';
import { fuzzParser } from '../../core/testing/fuzz';
import { parseSodaRows, permitsFromRows, type PermitRows } from './parse';
import { portalConfigSchema } from './portals';

/** Thousands of broken real SODA answers: every one parses or fails with a typed, explained error. */

const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/socrata-permits', import.meta.url));
const present = existsSync(FIXTURES);
if (!present) console.warn(`socrata-permits fuzz tests skipped: the real samples folder ${FIXTURES} is absent.`);
const sample = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

// The real rows are bike counts, not permits: a portal mapping over their columns pushes real
// SODA values (strings, floating timestamps) through the permit mapping.
const bikeCounts = portalConfigSchema.parse({
  id: 'bike-counts',
  label: 'Bike counter (real SODA sample)',
  baseUrl: null,
  datasetId: 'bike-cnts',
  timeZone: 'America/Chicago',
  state: 'IL',
  fields: { permitNumber: 'id', issuedAt: 'date', description: 'counts', valuation: 'counts', address: 'status' },
  roofing: { where: "counts > '50'" },
});

function validPermits(result: unknown): void {
  const { permits, rejected } = result as PermitRows;
  for (const permit of permits) buildingPermitSchema.parse(permit);
  for (const rejection of rejected) expect(rejection.reason.length).toBeGreaterThan(5);
}

describe.skipIf(!present)('Socrata parsers under fuzzing', () => {
  it('a real SODA page, read and mapped', async () => {
    // The first 150 rows keep each run small; the layout (comma-first lines) is the same.
    const page = `${sample('sodapy_bike_counts_page_1.json').split('\n').slice(0, 150).join('\n')}]`;
    const report = await fuzzParser(page, (input) => permitsFromRows(parseSodaRows(input, 'Bike counter'), { portal: bikeCounts }), { runs: 2000, check: validPermits });
    expect(report.returned).toBeGreaterThan(200);
    expect(report.typedErrors).toBeGreaterThan(200);
  });

  it('the real 403 error body', async () => {
    await fuzzParser(sample('sodapy_403_response_json.txt'), (input) => parseSodaRows(input, 'Portal'), { runs: 1000 });
  });
});
