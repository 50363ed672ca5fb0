import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { FeatureCollection, Point } from 'geojson';
import { clustersDbscan } from '@turf/clusters-dbscan';
import { featureCollection, point } from '@turf/helpers';
import { DEFAULT_PRICES } from '../src/core/cost/prices';
import { DEFAULT_POINT_BOX_M } from '../src/core/imagery/geometry';
import { planBatches, type BatchPoint } from '../src/core/imagery/batching';
import { createDemoWorld } from '../src/demo/world';
import { median, printReport, progress, ratio } from './lib/report';

/**
 * bench/batching: imagery requests and cost with and without geographic batching for the demo
 * town (src/demo, Frisco TX) at 2,000 and 100,000 properties, and the clustering time of
 * planBatches beside the named anchor @turf/clusters-dbscan (maxDistance 2 km, minPoints 3) on
 * the same points in the same run.
 *
 *   node bench/lib/run.mjs batching [--sizes 2000,100000] [--reps 5] [--turf-timeout-s 300]
 *
 * Points: the demo world's house centroids. createDemoWorld lays out any number of houses on its
 * street grid (it is not tiled or jittered): 2,000 houses cover ~1.8 × 2 km, 100,000 ~12 × 12 km.
 *
 * Requests per provider: without batching, one image per property; with, one per batch plus one
 * per single, where each provider's largest image (pixels × ground metres a pixel) less one
 * roof box (DEFAULT_POINT_BOX_M + 2 × CROP_MARGIN_M) is the batch's maxSpanM, so every member's
 * crop fits in its batch's one image. Cost at the list prices of src/core/cost/prices.ts.
 *
 * Timing: median of `reps` runs each (after one unreported warm-up). Turf runs in a child
 * process with a time limit, because its expansion keeps every neighbour list (≈ n × 8,000 ids
 * at 100,000 houses) and may not finish; it is then reported as not finished.
 */

const CROP_MARGIN_M = 5;
const ROOF_BOX_M = DEFAULT_POINT_BOX_M + 2 * CROP_MARGIN_M;
const DEMO_LAT = 33.23;
/** Google/Mapbox tile zoom z: ground metres a pixel = 156,543.03 × cos(lat) / 2^z (256-px tiles). */
const zoomMetres = (zoom: number) => (156_543.033_92 * Math.cos((DEMO_LAT * Math.PI) / 180)) / 2 ** zoom;

interface Provider {
  source: string;
  label: string;
  maxPixels: number;
  metresPerPixel: number;
}

// Note: NAIP's exportImage caps each side at 4,000 px (the service's maxImageWidth/Height);
// Google Static Maps at 640 × 640 (scale 2 doubles pixels, not ground); Mapbox at 1,280 × 1,280.
const PROVIDERS: Provider[] = [
  { source: 'naip', label: 'NAIP exportImage, 4,000 px at 0.6 m', maxPixels: 4_000, metresPerPixel: 0.6 },
  { source: 'google-static-maps', label: 'Google Static Maps, 640 px at zoom 20', maxPixels: 640, metresPerPixel: zoomMetres(20) },
  { source: 'google-static-maps', label: 'Google Static Maps, 640 px at zoom 19', maxPixels: 640, metresPerPixel: zoomMetres(19) },
  { source: 'mapbox-static-images', label: 'Mapbox Static Images, 1,280 px at zoom 20', maxPixels: 1_280, metresPerPixel: zoomMetres(20) },
];

function demoPoints(properties: number): BatchPoint[] {
  const world = createDemoWorld({ properties, asOf: '2026-01-01' });
  const points: BatchPoint[] = [];
  for (const house of world.houses()) points.push({ id: `p${house.index}`, lat: house.centroid.lat, lng: house.centroid.lng });
  return points;
}

function priceMicros(source: string): number {
  const entry = DEFAULT_PRICES.find((price) => price.source === source);
  if (!entry) throw new Error(`No list price for ${source} in src/core/cost/prices.ts.`);
  return entry.micros;
}

function requestsFor(points: BatchPoint[], provider: Provider) {
  const edgeM = provider.maxPixels * provider.metresPerPixel;
  const maxSpanM = edgeM - ROOF_BOX_M;
  const plan = planBatches(points, { maxSpanM });
  const batched = plan.batches.length + plan.singles.length;
  const price = priceMicros(provider.source);
  const sizes = plan.batches.map((batch) => batch.members.length);
  return {
    provider: provider.label,
    source: provider.source,
    imageEdgeM: round(edgeM),
    maxSpanM: round(maxSpanM),
    requests: { withoutBatching: points.length, withBatching: batched, batches: plan.batches.length, singles: plan.singles.length, ratio: ratio(batched, points.length) },
    meanBatchSize: round(sizes.reduce((sum, size) => sum + size, 0) / Math.max(1, sizes.length)),
    priceMicrosPerRequest: price,
    costPerPropertyMicros: { withoutBatching: price, withBatching: Math.round((batched * price) / points.length) },
    totalCostMicros: { withoutBatching: price * points.length, withBatching: price * batched },
  };
}

function timePlan(points: BatchPoint[], reps: number): { medianMs: number; runsMs: number[]; clusters: number; noise: number } {
  planBatches(points, { maxSpanM: 4_000 * 0.6 - ROOF_BOX_M });
  const runsMs: number[] = [];
  let stats = { clusters: 0, noise: 0 };
  for (let rep = 0; rep < reps; rep += 1) {
    const started = performance.now();
    const plan = planBatches(points, { maxSpanM: 4_000 * 0.6 - ROOF_BOX_M });
    runsMs.push(round(performance.now() - started));
    stats = plan.stats;
  }
  return { medianMs: round(median(runsMs)), runsMs, clusters: stats.clusters, noise: stats.noise };
}

interface TurfResult {
  medianMs: number;
  runsMs: number[];
  clusters: number;
  noise: number;
}

/** Child side: turf's DBSCAN `reps` times (after a warm-up) on the same demo points. */
async function runTurfChild(plan: { properties: number; reps: number }): Promise<void> {
  const collection: FeatureCollection<Point> = featureCollection(demoPoints(plan.properties).map((p) => point([p.lng, p.lat])));
  const warmUps = plan.reps > 1 ? 1 : 0;
  const runsMs: number[] = [];
  let clusters = 0;
  let noise = 0;
  for (let rep = 0; rep < plan.reps + warmUps; rep += 1) {
    const started = performance.now();
    const result = clustersDbscan(collection, 2, { units: 'kilometers', minPoints: 3 });
    const elapsed = performance.now() - started;
    if (rep < warmUps) continue;
    runsMs.push(round(elapsed));
    clusters = new Set(result.features.map((f) => f.properties.cluster).filter((c) => c !== undefined)).size;
    noise = result.features.filter((f) => f.properties.dbscan === 'noise').length;
  }
  const result: TurfResult = { medianMs: round(median(runsMs)), runsMs, clusters, noise };
  await new Promise<void>((resolve) => process.send!(result, () => resolve()));
}

async function timeTurf(properties: number, reps: number, timeoutS: number): Promise<TurfResult | { finished: false; reason: string }> {
  const child = fork(process.argv[1]!, ['--turf-child', JSON.stringify({ properties, reps })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const started = performance.now();
  const afterS = () => Math.round((performance.now() - started) / 1000);
  return new Promise((resolve) => {
    let message: TurfResult | { error: string } | null = null;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ finished: false, reason: `stopped after ${timeoutS} s without an answer` });
    }, timeoutS * 1000);
    child.on('message', (received) => (message = received as TurfResult | { error: string }));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (message && 'error' in message) resolve({ finished: false, reason: `failed after ${afterS()} s: ${message.error}` });
      else if (message) resolve(message);
      else resolve({ finished: false, reason: `exited with ${code ?? signal} after ${afterS()} s (${code === 134 ? 'out of memory' : 'no result'})` });
    });
  });
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sizes: { type: 'string' }, reps: { type: 'string' }, 'turf-timeout-s': { type: 'string' }, 'turf-child': { type: 'string' } } });
  if (values['turf-child']) {
    // Note: turf's failure is a figure of the run (its message goes to the parent), not the bench's.
    return runTurfChild(JSON.parse(values['turf-child']) as { properties: number; reps: number }).catch(
      (error: unknown) => new Promise<void>((resolve) => process.send!({ error: `${(error as Error).name}: ${(error as Error).message}` }, () => resolve())),
    );
  }
  const sizes = (values.sizes ?? '2000,100000').split(',').map((size) => Number(size.trim()));
  const reps = Number(values.reps ?? 5);
  const turfTimeoutS = Number(values['turf-timeout-s'] ?? 300);
  if (sizes.some((size) => !Number.isInteger(size) || size < 1) || !Number.isInteger(reps) || reps < 1 || !(turfTimeoutS > 0)) {
    throw new Error('Usage: node bench/lib/run.mjs batching [--sizes 2000,100000] [--reps 5] [--turf-timeout-s 300]');
  }
  const results = [];
  for (const size of sizes) {
    progress(`${size.toLocaleString('en-US')} properties: requests per provider`);
    const points = demoPoints(size);
    const providers = PROVIDERS.map((provider) => requestsFor(points, provider));
    progress(`  planBatches × ${reps}`);
    const fishmouth = timePlan(points, reps);
    const turfReps = size >= 10_000 ? 1 : reps;
    progress(`  @turf/clusters-dbscan × ${turfReps} (child process, limit ${turfTimeoutS} s)`);
    const turf = await timeTurf(size, turfReps, turfTimeoutS);
    results.push({
      properties: size,
      providers,
      clustering: {
        planBatches: { ...fishmouth, note: 'whole plan: validation, DBSCAN, cuts to ≤ 25 and the NAIP span, strays joined' },
        anchor: { name: '@turf/clusters-dbscan 7.4 (maxDistance 2 km, minPoints 3)', reps: turfReps, ...turf },
        speedRatio: 'medianMs' in turf ? ratio(turf.medianMs, fishmouth.medianMs) : null,
      },
    });
  }
  printReport('batching', { roofBoxM: ROOF_BOX_M, sizes: results });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench/batching: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
