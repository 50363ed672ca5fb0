import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costTestDb } from '../../core/cost/cost.testkit';
import { sourcePolicy } from '../../core/cost/sources';
import { geocodeResultSchema } from '../../core/domain/records';
import { httpRequest } from '../../core/http/client';
import { fuzzParser } from '../../core/testing/fuzz';
import { applyEmulatorBaseUrls, startEmulators, type Emulators } from '../../emulators/server';
import { tinyWorld } from '../../emulators/tiny-world';
import { parseCensusBatch, type CensusBatchAnswer } from './batch';
import { censusGeocoderEmulator } from './emulator';
import { parseCensusOneLine, readCensusJson } from './parse';

/**
 * Thousands of broken Census answers: every one a result or a typed error with a message.
 * Note: no real Census geocoder sample exists in ../shared/fixtures, so the samples are the
 * emulator's answers (whose format the emulator tests check).
 */

let emulators: Emulators;
const test = costTestDb('fm-census-geo-fuzz-');
let oneLine = '';
let batch = '';

beforeAll(async () => {
  emulators = await startEmulators({ world: tinyWorld(), routes: [censusGeocoderEmulator] });
  applyEmulatorBaseUrls(test.db, emulators.baseUrls);
  const policy = sourcePolicy(test.db, 'census-geocoder')!;
  const single = await httpRequest(policy, { path: '/geographies/onelineaddress', query: { address: '1203 Maple Ave, Plano, TX 75074', benchmark: '4', vintage: '4', format: 'json' }, expect: 'text' });
  oneLine = single.body as string;
  const file = ['1,1201 Maple Ave,Plano,TX,75074', '2,1203 Maple Ave,Plano,TX,', '3,9 Nowhere Rd,Plano,TX,75074', '4,1205 Maple Ave,Plano,TX,75074'].join('\n');
  const many = await httpRequest(policy, { path: '/geographies/addressbatch', multipart: { addressFile: { filename: 'a.csv', content: file }, benchmark: '4', vintage: '4' }, expect: 'text' });
  batch = many.body as string;
});
afterAll(async () => {
  await emulators.close();
  test.cleanup();
});

const valid = (results: unknown) => {
  for (const result of [results].flat()) geocodeResultSchema.parse(result);
};

describe('Census geocoder parser fuzz', () => {
  it('one-line JSON answers', async () => {
    const report = await fuzzParser(oneLine, (text) => parseCensusOneLine(readCensusJson(text), 'q'), { runs: 2000, seed: 11, check: valid });
    expect(report.returned).toBeGreaterThan(0);
    expect(report.typedErrors).toBeGreaterThan(200);
  });

  it('batch CSV answers', async () => {
    const report = await fuzzParser(batch, (text) => parseCensusBatch(text), {
      runs: 2000,
      seed: 12,
      check: (answer) => {
        for (const row of (answer as CensusBatchAnswer).rows) if (row.result) valid(row.result);
      },
    });
    expect(report.returned).toBeGreaterThan(300);
    expect(report.typedErrors).toBeGreaterThan(50);
  });
});
