import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { stormReportSchema } from '../../core/domain/records';
import { sharedFixtures } from '../../core/testing/fixtures';
import { fuzzParser } from '../../core/testing/fuzz';
import { parseStormEventsListing } from './listing';
import { parseStormEvents, type StormEventsResult } from './parse';

const fixtures = sharedFixtures('noaa-storm-events');

function check(result: unknown): void {
  const { reports, rejected } = result as StormEventsResult;
  for (const report of reports) stormReportSchema.parse(report);
  for (const row of rejected) expect(row.reason.length).toBeGreaterThan(0);
}

describe.skipIf(!fixtures.present)('Storm Events parser under mutated real rows', () => {
  // The header and the first 20 hail rows of the real 2019 file (about 15 KB).
  const sample = () => fixtures.text('derived_details_d2019_hail_only.csv').split('\n').slice(0, 21).join('\n');

  it('never crashes on 800 mutations of real CSV rows', async () => {
    const report = await fuzzParser(sample(), (input) => parseStormEvents(Readable.from([input])), { runs: 800, check });
    expect(report.returned + report.typedErrors).toBe(800);
    expect(report.returned).toBeGreaterThan(300);
  });

  it('never crashes on 1,000 mutations of the same rows gzipped', async () => {
    const report = await fuzzParser(gzipSync(sample()), (input) => parseStormEvents(Readable.from([input])), { runs: 1000, seed: 11, check });
    expect(report.typedErrors).toBeGreaterThan(500);
  });

  it('never crashes on 1,000 mutations of a listing page', async () => {
    const page = `<html><head><title>Index of /pub/data/swdi/stormevents/csvfiles</title></head><body><h1>Index of /pub/data/swdi/stormevents/csvfiles</h1><table>
<tr><td><a href="StormEvents_details-ftp_v1.0_d2019_c20240117.csv.gz">StormEvents_details-ftp_v1.0_d2019_c20240117.csv.gz</a></td><td align="right">2024-01-17 10:31  </td><td align="right"> 11M</td></tr>
<tr><td><a href="StormEvents_locations-ftp_v1.0_d2019_c20240117.csv.gz">StormEvents_locations-ftp_v1.0_d2019_c20240117.csv.gz</a></td><td align="right">2024-01-17 10:31  </td><td align="right">1.2M</td></tr>
</table></body></html>`;
    const report = await fuzzParser(page, (input) => parseStormEventsListing(input), { runs: 1000, seed: 3 });
    expect(report.returned).toBeGreaterThan(500);
  });
});
