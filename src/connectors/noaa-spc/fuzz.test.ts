import { describe, expect, it } from 'vitest';
import { stormReportSchema } from '../../core/domain/records';
import { sharedFixtures } from '../../core/testing/fixtures';
import { fuzzParser } from '../../core/testing/fuzz';
import { parseSpcReports, type SpcParseResult } from './parse';

const fixtures = sharedFixtures('noaa-spc');

/** Every returned report passes the domain schema; every rejection says why. */
function check(result: unknown): void {
  const { reports, rejected } = result as SpcParseResult;
  for (const report of reports) stormReportSchema.parse(report);
  for (const row of rejected) expect(row.reason.length).toBeGreaterThan(0);
}

describe.skipIf(!fixtures.present)('SPC parser under mutated real files', () => {
  for (const kind of ['hail', 'wind'] as const) {
    it(`never crashes on 2,000 mutations of the real ${kind} file`, async () => {
      const sample = fixtures.text(`180615_rpts_filtered_${kind}.csv`);
      const report = await fuzzParser(sample, (input) => parseSpcReports(input, { reportDay: '2018-06-15' }), { runs: 2000, check });
      expect(report.returned + report.typedErrors).toBe(2000);
      expect(report.returned).toBeGreaterThan(1000);
    });
  }
});
