import { defineChain, hit, miss, stepError, type Chain, type StepResult } from '../../core/cost';
import type { CensusAreaFigures } from '../../core/domain/records';
import { connectorStepError } from '../../core/http/errors';
import type { SecretReader } from '../../core/secrets/vault';
import { censusAreasByGeoid } from '../../core/store/census-areas';
import { fetchAcsFigures } from '../../connectors/census-acs/connector';
import { CENSUS_API_KEY_NAME } from '../../connectors/census-acs/parse';
import type { CensusBatchAddress } from '../../connectors/census-geocoder/batch';
import { MAX_BATCH_ROWS } from '../../connectors/census-geocoder/batch';
import { geocodeCensusBatch } from '../../connectors/census-geocoder/connector';
import { STORE_SOURCE } from './facts-chain';

/**
 * The census chains of the enrichment service:
 *
 *   census-tracts   free: the Census geocoder's address batch → tract GEOID per property id
 *   census-figures  cache: the store's figures of the vintage for every tract asked → free: the
 *                   ACS 5-year API, every tract of one county in one answer (the key, if the user
 *                   has one, read from the vault when the call is made)
 */

export interface TractsNeed {
  properties: CensusBatchAddress[];
}

export interface FiguresNeed {
  state: string;
  county: string;
  vintage: number;
  /** The tracts wanted (11-digit GEOIDs) of this county. */
  tracts: string[];
}

export interface CensusChains {
  tracts: Chain<TractsNeed, Map<string, string>>;
  figures: Chain<FiguresNeed, CensusAreaFigures[]>;
  batchSize: number;
}

/**
 * The newest ACS 5-year release: the Census publishes year Y's in December of Y+1, so through
 * November of this year the newest is two years back.
 */
export function acsVintage(now: Date): number {
  return now.getUTCMonth() === 11 ? now.getUTCFullYear() - 1 : now.getUTCFullYear() - 2;
}

async function connectorStep<V>(label: string, run: () => Promise<V>): Promise<StepResult<V>> {
  try {
    return hit(await run(), 1);
  } catch (error) {
    const failure = connectorStepError(error, label);
    return stepError(failure.kind, failure.message, failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs });
  }
}

export function createCensusChains(secrets: SecretReader): CensusChains {
  const tracts = defineChain<TractsNeed, Map<string, string>>({
    need: 'census-tracts',
    steps: [
      {
        kind: 'free',
        source: 'census-geocoder',
        fetch: (need, ctx) =>
          connectorStep('US Census geocoder', async () => {
            const rows = await geocodeCensusBatch(ctx.db, need.properties, { returntype: 'geographies', signal: ctx.signal, ...(ctx.policy ? { policy: ctx.policy } : {}) });
            const found = new Map<string, string>();
            for (const row of rows) if (row.status === 'match' && row.result?.censusTract) found.set(row.id, row.result.censusTract);
            return found;
          }),
      },
    ],
  });

  const figures = defineChain<FiguresNeed, CensusAreaFigures[]>({
    need: 'census-figures',
    steps: [
      {
        kind: 'cache',
        source: STORE_SOURCE,
        lookup(need, ctx) {
          const held = censusAreasByGeoid(ctx.db, need.tracts);
          const fresh = need.tracts.every((geoid) => (held.get(geoid)?.vintage ?? 0) >= need.vintage);
          return fresh ? hit([...held.values()], 1) : miss(`The figures of ${need.tracts.length - held.size} tract(s) of this vintage are not on file.`);
        },
      },
      {
        kind: 'free',
        source: 'census-acs',
        fetch: (need, ctx) =>
          connectorStep('US Census ACS', async () => {
            const answer = await fetchAcsFigures(
              ctx.db,
              { vintage: need.vintage, geography: 'tract', state: need.state, county: need.county, apiKey: secrets.get(CENSUS_API_KEY_NAME) },
              { signal: ctx.signal, ...(ctx.policy ? { policy: ctx.policy } : {}) },
            );
            return answer.figures;
          }),
      },
    ],
  });

  return { tracts, figures, batchSize: MAX_BATCH_ROWS };
}
