import { describe, expect, it } from 'vitest';
import type { MlInfo } from '../../../core/contracts/ml-contract';
import {
  cacheUsage,
  captureLine,
  costLine,
  evictionLine,
  footprintBox,
  formatBytes,
  mlLine,
  modelLabel,
  qualityFactors,
  qualityTone,
  resolutionLine,
  sourcesLine,
} from './imagery-view';

describe('the roof image panel', () => {
  it('names the sources a rep knows, once each', () => {
    expect(sourcesLine(['naip'])).toBe('USGS NAIP');
    expect(sourcesLine(['naip', 'google-static-maps', 'naip'])).toBe('USGS NAIP + Google Static Maps');
    expect(sourcesLine(['county-orthophoto'])).toBe('county-orthophoto');
    expect(sourcesLine([])).toBe('Unknown source');
    expect(sourcesLine(['naip', 'esrgan-slim-x4@1.0.0'], 'esrgan-slim-x4@1.0.0')).toBe('USGS NAIP');
    expect(sourcesLine(['naip', 'esrgan-slim-x2@1.0.0'], null)).toBe('USGS NAIP');
  });

  it('shows native and enhanced ground resolution with the model that enhanced it', () => {
    expect(resolutionLine({ groundResolutionM: 0.6, enhancedResolutionM: 0.15, enhancedModel: 'esrgan-slim-x4' })).toBe('0.60 m → 0.15 m per pixel (ESRGAN-slim ×4)');
    expect(resolutionLine({ groundResolutionM: 0.6, enhancedResolutionM: 0.15, enhancedModel: 'esrgan-slim-x4@1.0.0' })).toBe('0.60 m → 0.15 m per pixel (ESRGAN-slim ×4)');
    expect(resolutionLine({ groundResolutionM: 0.6, enhancedResolutionM: 0.3, enhancedModel: 'esrgan-slim' })).toBe('0.60 m → 0.30 m per pixel (ESRGAN-slim ×2)');
    expect(resolutionLine({ groundResolutionM: 0.3, enhancedResolutionM: 0.075, enhancedModel: 'esrgan-slim-x4' })).toBe('0.30 m → 0.075 m per pixel (ESRGAN-slim ×4)');
    expect(resolutionLine({ groundResolutionM: 0.6, enhancedResolutionM: null, enhancedModel: null })).toBe('0.60 m per pixel (not enhanced)');
  });

  it('names other models as they are', () => {
    expect(modelLabel('real-esrgan-general', 4)).toBe('real-esrgan-general ×4');
    expect(modelLabel('ESRGAN_slim_x8', null)).toBe('ESRGAN-slim ×8');
  });

  it('says Free for free imagery and the exact amount otherwise', () => {
    expect(costLine(0)).toBe('Free');
    expect(costLine(2_000)).toBe('$0.002');
    expect(costLine(1_500_000)).toBe('$1.50');
  });

  it('dates the capture by the flight day, whatever the time zone', () => {
    expect(captureLine('2022-06-14T00:00:00Z')).toBe('Captured 14 Jun 2022');
    expect(captureLine('2022-06-14')).toBe('Captured 14 Jun 2022');
    expect(captureLine(null)).toBe('Capture date unknown');
    expect(captureLine('not a date')).toBe('Capture date unknown');
  });

  it('colours quality from the cache threshold down', () => {
    expect(qualityTone(0.9)).toBe('ok');
    expect(qualityTone(0.75)).toBe('ok');
    expect(qualityTone(0.6)).toBe('pending');
    expect(qualityTone(0.2)).toBe('failed');
    expect(qualityFactors({ score: 0.8, sharpness: 0.82, noise: 0.1, cloudShare: 0, noDataShare: 0.05, resolution: 0.6, notes: [] })).toBe(
      'sharpness 82% · noise 10% · cloud 0% · no data 5.0%',
    );
  });

  it('places the footprint box over the picture in percent, clamped to the picture', () => {
    expect(footprintBox([64, 32, 192, 160], 256, 256)).toEqual({ left: 25, top: 12.5, width: 50, height: 50 });
    expect(footprintBox([-20, 200, 100, 300], 200, 250)).toEqual({ left: 0, top: 80, width: 50, height: 20 });
    expect(footprintBox([300, 0, 400, 10], 256, 256)).toBeNull();
    expect(footprintBox(null, 256, 256)).toBeNull();
    expect(footprintBox([0, 0, 10, 10], 0, 0)).toBeNull();
  });
});

describe('the imagery cache card', () => {
  it('writes sizes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(850)).toBe('850 B');
    expect(formatBytes(12.4 * 1024)).toBe('12.4 KB');
    expect(formatBytes(3.1 * 1024 ** 2)).toBe('3.1 MB');
    expect(formatBytes(2 * 1024 ** 3)).toBe('2.0 GB');
    expect(formatBytes(512 * 1024 ** 2)).toBe('512 MB');
  });

  it('shows the size against the cap, warning near it and over it', () => {
    expect(cacheUsage({ bytes: 512 * 1024 ** 2, capBytes: 2 * 1024 ** 3 })).toEqual({ share: 25, tone: 'ok', text: '512 MB of 2.0 GB' });
    expect(cacheUsage({ bytes: 1.9 * 1024 ** 3, capBytes: 2 * 1024 ** 3 }).tone).toBe('pending');
    expect(cacheUsage({ bytes: 3 * 1024 ** 3, capBytes: 2 * 1024 ** 3 })).toMatchObject({ share: 100, tone: 'failed' });
  });

  it('says what trimming did', () => {
    expect(evictionLine({ evicted: 0, freedBytes: 0, expired: 0 })).toBe('Nothing to trim: the cache is within its size cap and nothing has expired.');
    expect(evictionLine({ evicted: 12, freedBytes: 3.1 * 1024 ** 2, expired: 4 })).toBe('Trimmed 12 tiles (4 expired), freed 3.1 MB.');
    expect(evictionLine({ evicted: 1, freedBytes: 2048, expired: 0 })).toBe('Trimmed 1 tile, freed 2.0 KB.');
  });
});

describe('where the models run', () => {
  const info = (overrides: Partial<MlInfo>): MlInfo => ({ provider: 'cpu', providerNote: null, models: [], problem: null, ...overrides });

  it('says plainly that there is no GPU provider on a CPU-only machine', () => {
    expect(mlLine(info({ provider: 'cpu' }))).toEqual({ text: 'Models run on CPU (no GPU provider here)', tone: 'ok' });
    expect(mlLine(info({ provider: 'cuda' })).text).toBe('Models run on the GPU (CUDA)');
  });

  it('reports models that cannot load, with what to do', () => {
    expect(mlLine(info({ provider: null, problem: 'model file missing: run npm run build' }))).toEqual({
      text: 'Models unavailable: model file missing: run npm run build',
      tone: 'failed',
    });
    expect(mlLine(info({ provider: null })).tone).toBe('pending');
  });
});
