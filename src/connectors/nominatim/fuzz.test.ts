import { describe, expect, it } from 'vitest';
import { geocodeResultSchema } from '../../core/domain/records';
import { fuzzParser } from '../../core/testing/fuzz';
import { sharedFixtures } from '../../core/testing/fixtures';
import { parseNominatimReverse, parseNominatimSearch, readNominatimJson } from './parse';

/** Thousands of broken Nominatim answers: every one a result or a typed error with a message. */

const fixtures = sharedFixtures('osm-nominatim');
const validResults = (results: unknown) => {
  for (const result of [results].flat()) if (result !== null) geocodeResultSchema.parse(result);
};

describe.skipIf(!fixtures.present)('Nominatim parser fuzz', () => {
  it('search answers (old string ids and jsonv2)', async () => {
    const lines = fixtures.text('osmnx_nominatim-responses.txt').split('\n');
    const samples = [lines[7]!, lines[10]!, fixtures.text('geocoder_osm_search.json')];
    for (const [i, sample] of samples.entries()) {
      const report = await fuzzParser(sample, (text) => parseNominatimSearch(readNominatimJson(text), 'q'), { runs: 1500, seed: 100 + i, check: validResults });
      expect(report.returned).toBeGreaterThan(0);
      expect(report.typedErrors).toBeGreaterThan(100);
    }
  });

  it('reverse answers', async () => {
    const sample = JSON.stringify((JSON.parse(fixtures.text('geocoder_locationiq_reverse_nominatim_compatible.json')) as unknown[])[0]);
    const report = await fuzzParser(sample, (text) => parseNominatimReverse(readNominatimJson(text), { lat: 45.42, lng: -75.69 }), { runs: 2000, seed: 7, check: validResults });
    expect(report.returned + report.typedErrors).toBe(2000);
  });
});
