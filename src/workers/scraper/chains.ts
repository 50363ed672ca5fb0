import type { ScrapeTask } from '../../core/contracts/scraper-contract';
import { defineChain, hit, stepError, type Chain, type NeedContext, type StepResult } from '../../core/cost';
import type { BuildingPermit, PropertyObservation, StormReport } from '../../core/domain/records';
import { connectorStepError } from '../../core/http/errors';
import { fetchBuildings } from '../../connectors/osm-overpass/connector';
import { fetchParcels } from '../../connectors/arcgis-parcels/connector';
import { findCounty } from '../../connectors/arcgis-parcels/counties';
import { fetchSpcReports } from '../../connectors/noaa-spc/connector';
import { fetchStormEvents } from '../../connectors/ncei-storm-events/connector';
import { fetchPermits, SOCRATA_APP_TOKEN_SECRET } from '../../connectors/socrata-permits/connector';
import { findPortal } from '../../connectors/socrata-permits/portals';
import type { SecretReader } from '../../core/secrets/vault';

/**
 * The scraper's free-first chains, one per kind of collection. Each is a single free source
 * today (there is nothing to pay for: these are public records), but going through the chain
 * means every call waits for its source's shared rate limit and daily cap, honours Retry-After
 * for every process, and leaves one ledger row per attempt, hit or miss.
 *
 * A chain's value is what the source answered; collect.ts saves it.
 */

export interface Collected {
  observations: PropertyObservation[];
  permits: BuildingPermit[];
  storms: StormReport[];
  /** Records the source sent that could not be read (counted, with the first reasons). */
  rejected: number;
  warnings: string[];
}

const nothing = (): Collected => ({ observations: [], permits: [], storms: [], rejected: 0, warnings: [] });

/** Runs a connector call as a chain step: its answer is a hit, its ConnectorError a typed step error. */
async function step(label: string, run: () => Promise<Partial<Collected>>): Promise<StepResult<Collected>> {
  try {
    return hit({ ...nothing(), ...(await run()) }, 1);
  } catch (error) {
    const failure = connectorStepError(error, label);
    return stepError(failure.kind, failure.message, failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs });
  }
}

function inBox(bbox: readonly [number, number, number, number], lat: number, lng: number): boolean {
  return lng >= bbox[0] && lng <= bbox[2] && lat >= bbox[1] && lat <= bbox[3];
}

const callOptions = (ctx: NeedContext) => ({ signal: ctx.signal, ...(ctx.policy ? { policy: ctx.policy } : {}) });

export const buildingsChain: Chain<Extract<ScrapeTask, { kind: 'buildings' }>, Collected> = defineChain({
  need: 'buildings',
  steps: [
    {
      kind: 'free',
      source: 'osm-overpass',
      fetch: (task, ctx) =>
        step('OpenStreetMap Overpass', async () => {
          const answer = await fetchBuildings(ctx.db, { bbox: task.bbox }, callOptions(ctx));
          return { observations: answer.observations, rejected: answer.skipped.reduce((sum, skip) => sum + skip.count, 0) };
        }),
    },
  ],
});

export const parcelsChain: Chain<Extract<ScrapeTask, { kind: 'parcels' }>, Collected> = defineChain({
  need: 'parcels',
  steps: [
    {
      kind: 'free',
      source: 'arcgis-parcels',
      fetch: async (task, ctx) => {
        const county = findCounty(task.county);
        if (!county) {
          return stepError('not-configured', `There is no county parcel layer called "${task.county}"; \`fishmouth sources\` lists the counties Fish Mouth knows.`);
        }
        return step('County parcels', async () => {
          const answer = await fetchParcels(ctx.db, county, task.bbox, { ...callOptions(ctx), firstRequestAcquired: true });
          return { observations: answer.parcels.map((parcel) => parcel.observation), rejected: answer.rejected.length, warnings: answer.warnings };
        });
      },
    },
  ],
});

export const spcChain: Chain<Extract<ScrapeTask, { kind: 'spc' }>, Collected> = defineChain({
  need: 'storm-reports',
  steps: [
    {
      kind: 'free',
      source: 'noaa-spc',
      fetch: (task, ctx) =>
        step('NOAA SPC storm reports', async () => {
          const answer = await fetchSpcReports(ctx.db, task.day, undefined, { ...callOptions(ctx), firstRequestAcquired: true });
          const rejected = answer.files.reduce((sum, file) => sum + file.rejected.length, 0);
          return { storms: answer.reports.filter((report) => inBox(task.bbox, report.lat, report.lng)), rejected };
        }),
    },
  ],
});

export const nceiChain: Chain<Extract<ScrapeTask, { kind: 'ncei' }>, Collected> = defineChain({
  need: 'storm-events',
  steps: [
    {
      kind: 'free',
      source: 'ncei-storm-events',
      fetch: (task, ctx) =>
        step('NOAA NCEI Storm Events', async () => {
          const answer = await fetchStormEvents(ctx.db, { year: task.year, bbox: task.bbox }, { ...callOptions(ctx), firstRequestAcquired: true });
          return { storms: answer.reports, rejected: answer.rejectedCount };
        }),
    },
  ],
});

/** A portal's whole history can be large; SODA pages of 10,000 rows keep the requests few. */
const PERMIT_PAGE_ROWS = 10_000;
const PERMIT_MAX_ROWS = 1_000_000;

/** Permits need the portal's app token (optional, read from the vault when the call is made). */
export function permitsChain(secrets: SecretReader): Chain<Extract<ScrapeTask, { kind: 'permits' }>, Collected> {
  return defineChain({
    need: 'permits',
    steps: [
      {
        kind: 'free',
        source: 'socrata-permits',
        fetch: async (task, ctx) => {
          const portal = findPortal(task.portal);
          if (!portal) {
            return stepError('not-configured', `There is no permit portal called "${task.portal}"; \`fishmouth sources\` lists the portals Fish Mouth knows.`);
          }
          return step('Building permits', async () => {
            const answer = await fetchPermits(ctx.db, portal, task.bbox, {
              ...callOptions(ctx),
              firstRequestAcquired: true,
              appToken: secrets.get(SOCRATA_APP_TOKEN_SECRET),
              pageSize: PERMIT_PAGE_ROWS,
              maxRows: PERMIT_MAX_ROWS,
            });
            return { permits: answer.permits, rejected: answer.rejected.length, warnings: answer.warnings };
          });
        },
      },
    ],
  });
}

export type AnyChain = Chain<ScrapeTask, Collected>;

export function scraperChains(secrets: SecretReader): (task: ScrapeTask) => AnyChain {
  const chains: Record<ScrapeTask['kind'], unknown> = { buildings: buildingsChain, parcels: parcelsChain, permits: permitsChain(secrets), spc: spcChain, ncei: nceiChain };
  return (task) => chains[task.kind] as AnyChain;
}
