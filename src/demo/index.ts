/**
 * The demo territory: a deterministic synthetic town the loopback emulators serve, so the whole
 * pipeline runs end to end without the internet. See world.ts.
 */
export { DEFAULT_DEMO_PROPERTIES, DEFAULT_DEMO_SEED, DEMO_CENTRE, DemoWorld, MAX_DEMO_PROPERTIES, createDemoWorld, type DemoWorldOptions } from './world';
export { DEMO_COUNTY, DEMO_STATE, DEMO_TOWN, addressKey } from './names';
export { pointInRing, type HailSwath } from './storms';
export type { DemoHouse } from './houses';
