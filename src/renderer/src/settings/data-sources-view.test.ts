import { describe, expect, it } from 'vitest';
import { sourcesConfigureSchema, type SourceSettings } from '../../../core/contracts/sources-api';
import { defaultsText, draftOf, isStaleRefusal, licenceNotes, patchFromDraft, splitSourceErrors, usageText } from './data-sources-view';

const naip: SourceSettings = {
  id: 'naip',
  label: 'USGS NAIP aerial imagery',
  kind: 'free',
  enabled: true,
  baseUrl: 'https://imagery.nationalmap.gov/arcgis/rest/services/USGSNAIPImagery/ImageServer',
  userAgent: 'FishMouth/0.1',
  ratePerSecond: 0.5,
  burst: 1,
  dailyCap: 500,
  price: null,
  licence: { name: 'Public domain', mayStore: true, cacheable: true, cacheTtlMs: 365 * 86_400_000, offlineUse: true, bulkDownload: true, attribution: 'USGS', url: null },
  usage: { day: '2025-06-01', requests: 0, dailyCap: 500, tokens: null, pausedUntil: null },
  defaults: { enabled: true, baseUrl: 'https://imagery.nationalmap.gov/arcgis/rest/services/USGSNAIPImagery/ImageServer', userAgent: 'FishMouth/0.1', ratePerSecond: 0.5, burst: 1, dailyCap: 500 },
  customised: [],
  settingsVersion: 0,
};

describe('a data source row', () => {
  it('sends only what the person changed; an empty cap means none', () => {
    const draft = { ...draftOf(naip), ratePerSecond: ' 2 ', dailyCap: '' };
    expect(patchFromDraft(naip, draft)).toEqual({ ratePerSecond: 2, dailyCap: null });
    expect(patchFromDraft(naip, draftOf(naip))).toEqual({});
    expect(patchFromDraft(naip, { ...draftOf(naip), dailyCap: '1,500', baseUrl: ' http://127.0.0.1:8080/naip ' })).toEqual({ dailyCap: 1500, baseUrl: 'http://127.0.0.1:8080/naip' });
  });

  it('leaves text that is no number to the schema, which refuses it in words', () => {
    const patch = patchFromDraft(naip, { ...draftOf(naip), ratePerSecond: 'fast', burst: '0x10' });
    expect(patch.ratePerSecond).toBeNaN();
    const checked = sourcesConfigureSchema.safeParse({ id: 'naip', override: patch });
    expect(checked.success).toBe(false);
    expect(checked.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['override.ratePerSecond', 'must be a number of requests a second, like 1 or 0.5'],
      ['override.burst', 'must be a whole number of requests from 1 to 1000'],
    ]);
  });

  it("shows today's use against the cap, amber from 80% and red at the cap", () => {
    const at = (requests: number, dailyCap: number | null) => usageText({ ...naip, usage: { ...naip.usage, requests, dailyCap } });
    expect(at(12, 500)).toEqual({ text: '12 / 500', tone: 'ok' });
    expect(at(400, 500)).toEqual({ text: '400 / 500', tone: 'pending' });
    expect(at(1000, 1000)).toEqual({ text: '1,000 / 1,000', tone: 'failed' });
    expect(at(3, null)).toEqual({ text: '3 / no cap', tone: 'off' });
  });

  it('puts what a licence forbids first: Google imagery may not be stored', () => {
    const google = { name: 'Google Maps Platform Terms', mayStore: false, cacheable: false, cacheTtlMs: null, offlineUse: false, bulkDownload: false, attribution: 'Imagery © Google', url: null };
    expect(licenceNotes(google)).toEqual([
      { text: 'may not be stored', restriction: true },
      { text: 'credit “Imagery © Google”', restriction: false },
    ]);
    const tiles = { ...google, mayStore: true, cacheable: true, cacheTtlMs: 7 * 86_400_000, attribution: null };
    expect(licenceNotes(tiles).map((n) => n.text)).toEqual(['no offline use', 'no bulk downloads', 'cached up to 7 days']);
    expect(licenceNotes(naip.licence).map((n) => n.text)).toEqual(['cached up to 1 year', 'credit “USGS”']);
  });

  it('says what a reset restores, and recognises a refusal because someone saved first', () => {
    expect(defaultsText(naip)).toBe('on · 0.5/s · burst 1 · 500 a day · https://imagery.nationalmap.gov/arcgis/rest/services/USGSNAIPImagery/ImageServer');
    expect(isStaleRefusal('The data source settings were changed elsewhere (now version 3, you edited version 2); reload them and try again.')).toBe(true);
    expect(isStaleRefusal('sources.configure: params.override.burst: must be at least 1 request')).toBe(false);
  });
});

describe('a refusal in a data source row', () => {
  it('lands under the fields it concerns, without the wire prefixes', () => {
    const split = splitSourceErrors(
      'sources.configure: params.override.baseUrl: must start with http:// or https:// (not ftp:); params.override.ratePerSecond: must be more than 0 requests a second',
    );
    expect(split).toEqual({ byField: { baseUrl: 'Must start with http:// or https:// (not ftp:).', ratePerSecond: 'Must be more than 0 requests a second.' }, general: null });
    expect(splitSourceErrors('The settings for USGS NAIP are not valid: requestsPerSecond: Too big.').byField).toEqual({ ratePerSecond: 'Too big.' });
  });

  it('keeps what belongs to no field as one readable message', () => {
    expect(splitSourceErrors('sources.configure: params.override: change at least one setting, or reset the source to its defaults').general).toBe(
      'Change at least one setting, or reset the source to its defaults',
    );
    const stale = 'The data source settings were changed elsewhere (now version 3, you edited version 2); reload them and try again.';
    expect(splitSourceErrors(stale)).toEqual({ byField: {}, general: stale });
  });
});
