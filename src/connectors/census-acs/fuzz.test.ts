import { describe, expect, it } from 'vitest';
import { censusAreaFiguresSchema } from '../../core/domain/records';
import { sharedFixtures } from '../../core/testing/fixtures';
import { fuzzParser } from '../../core/testing/fuzz';
import { censusAcsEmulator } from './emulator';
import { parseAcsResponse, type AcsParseResult } from './parse';
import { acsTestWorld } from './world.testkit';

const fixtures = sharedFixtures('census-acs');

function check(result: unknown): void {
  const { figures, rejected } = result as AcsParseResult;
  for (const area of figures) censusAreaFiguresSchema.parse(area);
  for (const row of rejected) expect(row.reason.length).toBeGreaterThan(0);
}

describe('Census ACS parser under mutated answers', () => {
  it.skipIf(!fixtures.present)('never crashes on 2,000 mutations of the real Maryland excerpt', async () => {
    const report = await fuzzParser(fixtures.text('excerpt_real_response_acs5_2018_B19013_MD_counties_PARTIAL.json'), (input) => parseAcsResponse(input, { vintage: 2018, geography: 'county' }), { runs: 2000, check });
    expect(report.returned + report.typedErrors).toBe(2000);
    expect(report.returned).toBeGreaterThan(200);
  });

  it('never crashes on 2,000 mutations of a full five-variable tract answer with sentinels', async () => {
    const answer = await censusAcsEmulator.handle(
      { method: 'GET', path: '/2022/acs/acs5', query: new URLSearchParams({ get: 'NAME,B19013_001E,B25035_001E,B25077_001E,B25003_002E,B25003_003E', for: 'tract:*', in: 'state:48' }), headers: {}, body: Buffer.alloc(0) },
      acsTestWorld(),
    );
    const report = await fuzzParser(String(answer.body), (input) => parseAcsResponse(input, { vintage: 2022, geography: 'tract' }), { runs: 2000, seed: 7, check });
    expect(report.returned).toBeGreaterThan(200);
  });
});
