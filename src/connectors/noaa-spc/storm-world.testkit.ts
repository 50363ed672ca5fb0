import { listWorld } from '../../emulators/list-world';
import type { World, WorldStormReport } from '../../emulators/world';

/**
 * A World of storm reports for the SPC and Storm Events tests: a hail swath over Plano, Texas on
 * the evening of 2024-05-20 that runs past midnight UTC (same 12Z–12Z report day, next calendar
 * day), wind reports with and without a measured speed, a tornado, one report in Oklahoma outside
 * the territory box, and a quiet day later with wind only.
 */

const report = (kind: WorldStormReport['kind'], occurredAt: string, lat: number, lng: number, extra: Partial<WorldStormReport> = {}): WorldStormReport => ({
  kind,
  occurredAt,
  location: { lat, lng },
  hailSizeInches: kind === 'hail' ? 1 : null,
  windSpeedKnots: null,
  tornadoScale: null,
  place: '2 N Plano',
  county: 'Collin',
  state: 'TX',
  comments: 'Trained spotter report. (FWD)',
  ...extra,
});

export const STORM_TEST_REPORTS: WorldStormReport[] = [
  report('hail', '2024-05-20T22:41:00.000Z', 33.0212, -96.7031, { hailSizeInches: 1.75, place: 'Plano', comments: 'Golf ball size hail, roofs damaged. (FWD)' }),
  report('hail', '2024-05-20T23:05:00.000Z', 33.0456, -96.6902, { hailSizeInches: 2.75, comments: 'Baseball size hail, reported via social media, with photos. (FWD)' }),
  report('hail', '2024-05-21T00:20:00.000Z', 33.0785, -96.6624, { hailSizeInches: 0.88, place: '3 NE Allen', comments: 'Nickel size hail. (FWD)' }),
  report('hail', '2024-05-21T03:10:00.000Z', 35.47, -97.52, { hailSizeInches: 1.25, place: 'Oklahoma City', county: 'Oklahoma', state: 'OK', comments: '(OUN)' }),
  report('wind', '2024-05-20T22:30:00.000Z', 33.0101, -96.7305, { windSpeedKnots: 61, comments: 'Measured gust at a home weather station. (FWD)' }),
  report('wind', '2024-05-21T00:02:00.000Z', 33.0603, -96.6811, { comments: 'Large tree limbs down on Elm Street. (FWD)' }),
  report('tornado', '2024-05-20T23:48:00.000Z', 33.0533, -96.6457, { tornadoScale: 'EF1', place: '4 E Plano', comments: 'Brief tornado; NWS survey rated EF1. (FWD)' }),
  report('wind', '2024-06-02T19:15:00.000Z', 33.0302, -96.7111, { windSpeedKnots: 50, comments: 'Fence blown down. (FWD)' }),
];

export function stormTestWorld(reports: WorldStormReport[] = STORM_TEST_REPORTS): World {
  return listWorld({ name: 'Storm test days (Plano TX)', bbox: [-96.8, 32.95, -96.6, 33.1], stormReports: reports });
}
