import type { ScanOptionsInput } from '../core/contracts/scan-api';
import { readSourceOverrides } from '../core/cost/source-policy';
import { configureSource } from '../core/cost/sources';
import type { BBox } from '../core/domain/geo';
import { writeTransaction, type Db } from '../core/store/database';
import { createTerritory, deleteTerritory, listTerritories } from '../core/store/territories';
import { applyEmulatorBaseUrls, type AppliedBaseUrls } from '../emulators/base-urls';
import { PROPERTY_RECORDS_API_KEY_SECRET } from '../connectors/property-records/connector';
import { openSecretVault, unlockHeadlessSecrets } from '../core/secrets';
import type { DemoWorld } from './world';

/**
 * What a data folder needs to scan the demo territory against the loopback emulators: the
 * sources pointed at the emulators (and, being loopback, freed of the public services' usage
 * limits), the emulated records API's key in the vault, and the demo territory saved by name. `fishmouth demo`, the scan tests and bench/scan
 * all prepare a folder this way.
 *
 *   prepareDemoStore(db, world, baseUrls, { dataDir, env }) → { territoryId, territoryName, restore() }
 *
 * Note: the public services' limits (1 request a second for Overpass, 0.5 for government sources,
 * 0.1 and 100 a day for the paid source) protect those services; the emulators are this
 * machine's own loopback server, so the demo lifts them (rate 500/s, burst 100, no daily cap) and
 * puts every setting back on restore().
 */

export const DEMO_TERRITORY_NAME = 'Bramblecrest (demo)';

/** The county parcel layer and permit portal the emulators serve for the demo. */
export const DEMO_SCAN_OPTIONS: ScanOptionsInput = { county: 'demo', permitPortal: 'demo' };

export const LOOPBACK_LIMITS = { requestsPerSecond: 500, burst: 100, dailyCap: null } as const;
const ACTOR = 'demo';

/** Any key opens the emulated property-records API; this one says what it is if it is ever seen. */
export const DEMO_RECORDS_KEY = 'demo-key-for-the-loopback-emulator';
/** The paid APIs the demo's emulators stand in for. */
const DEMO_KEY_NAMES = [PROPERTY_RECORDS_API_KEY_SECRET, 'google-static-maps.api-key', 'mapbox.access-token'];

export interface PreparedDemoStore {
  territoryId: string;
  territoryName: string;
  bbox: BBox;
  applied: AppliedBaseUrls;
  /** Puts every source setting back as it was (the territory and what was scanned stay). */
  restore(): void;
}

export interface DemoKeyAccess {
  /** The data folder (its key file unlocks the vault, as for the headless host). */
  dataDir: string;
  env: NodeJS.ProcessEnv;
}

export function prepareDemoStore(db: Db, world: DemoWorld, baseUrls: Record<string, string>, keys: DemoKeyAccess): PreparedDemoStore {
  const removeKey = saveDemoRecordsKey(db, keys);
  const applied = applyEmulatorBaseUrls(db, baseUrls);
  writeTransaction(db, () => {
    const current = readSourceOverrides(db).overrides;
    for (const source of applied.applied) configureSource(db, source, { ...current[source], ...LOOPBACK_LIMITS }, { actor: ACTOR });
  });
  const [west, south, east, north] = world.bbox;
  const geometry = { type: 'Polygon' as const, coordinates: [[[west, south], [east, south], [east, north], [west, north], [west, south]]] };
  let territory = listTerritories(db).find((candidate) => candidate.name === DEMO_TERRITORY_NAME) ?? null;
  // A folder used before with another size of demo town: the territory follows the town.
  if (territory && JSON.stringify(territory.geometry) !== JSON.stringify(geometry)) {
    deleteTerritory(db, territory.id);
    territory = null;
  }
  territory ??= createTerritory(db, { name: DEMO_TERRITORY_NAME, geometry });
  return {
    territoryId: territory.id,
    territoryName: territory.name,
    bbox: world.bbox,
    applied,
    restore: () => {
      applied.restore();
      removeKey();
    },
  };
}

/**
 * Saves the keys of the emulated paid APIs (property records, Google Static Maps, Mapbox) in the
 * folder's vault, each unless a key is there already (a real one is left alone: the emulators take
 * any). Returns how to remove what it saved.
 */
function saveDemoRecordsKey(db: Db, keys: DemoKeyAccess): () => void {
  // A copy: unlocking removes FISHMOUTH_MASTER_KEY from the environment it is given.
  const unlocked = unlockHeadlessSecrets(keys.dataDir, { ...keys.env });
  if (unlocked.kind === 'error') throw new Error(unlocked.message);
  const vault = openSecretVault(db, unlocked.unlock);
  const saved: string[] = [];
  for (const name of DEMO_KEY_NAMES) {
    if (vault.get(name) !== null) continue;
    vault.set({ name, value: DEMO_RECORDS_KEY }, ACTOR);
    saved.push(name);
  }
  return () => {
    for (const name of saved) vault.delete(name, ACTOR);
  };
}
