import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stormReportSchema } from '../../core/domain/records';
import { fuzzParser } from '../../core/testing/fuzz';
import { parseSpcReports, type SpcParseResult } from './parse';

const FIXTURES = join(process.cwd(), '..', 'shared', 'fixtures', 'noaa-spc');
const present = existsSync(FIXTURES);
if (!present) console.warn(`noaa-spc fuzz tests skipped: the real samples folder ${FIXTURES} is absent.`);

/** Every returned report passes the domain schema; every rejection says why. */
function check(result: unknown): void {
  const { reports, rejected } = result as SpcParseResult;
  for (const report of reports) stormReportSchema.parse(report);
  for (const row of rejected) expect(row.reason.length).toBeGreaterThan(0);
}

describe.skipIf(!present)('SPC parser under mutated real files', () => {
  for (const kind of ['hail', 'wind'] as const) {
    it(`never crashes on 2,000 mutations of the real ${kind} file`, async () => {
      const sample = readFileSync(join(FIXTURES, `180615_rpts_filtered_${kind}.csv`), 'utf8');
      const report = await fuzzParser(sample, (input) => parseSpcReports(input, { reportDay: '2018-06-15' }), { runs: 2000, check });
      expect(report.returned + report.typedErrors).toBe(2000);
      expect(report.returned).toBeGreaterThan(1000);
    });
  }
});
