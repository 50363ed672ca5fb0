import { expect } from 'vitest';
import { ConnectorError } from '../../core/http/errors';
import { costTestDb } from '../../core/cost/cost.testkit';
import { configureSource } from '../../core/cost/sources';
import type { Db } from '../../core/store/database';
import { applyEmulatorBaseUrls, startEmulators, type Emulators } from '../../emulators/server';
import type { EmulatorRoute } from '../../emulators/route-types';
import type { World } from '../../emulators/world';

/**
 * One connector against its emulator on loopback, with a migrated database whose source policy
 * points at it. The source's rate is raised so paging tests do not wait on the real 0.5 rps.
 */

export interface EmulatedSource {
  db: Db;
  emulators: Emulators;
  close(): Promise<void>;
}

export async function emulatedSource(route: EmulatorRoute, world: World): Promise<EmulatedSource> {
  const store = costTestDb('fm-connector-');
  const emulators = await startEmulators({ world, routes: [route] });
  applyEmulatorBaseUrls(store.db, emulators.baseUrls);
  configureSource(store.db, route.source, { baseUrl: emulators.baseUrls[route.source], requestsPerSecond: 1000, burst: 1000 }, { actor: 'test' });
  return {
    db: store.db,
    emulators,
    async close() {
      await emulators.close();
      store.cleanup();
    },
  };
}

/** The typed ConnectorError a call must fail with (the test fails if it succeeds or throws anything else). */
export async function failure(run: Promise<unknown>): Promise<ConnectorError> {
  try {
    await run;
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    return error as ConnectorError;
  }
  throw new Error('expected the call to fail');
}
