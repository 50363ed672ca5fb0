import { arcgisParcelsEmulator } from '../connectors/arcgis-parcels/emulator';
import { socrataPermitsEmulator } from '../connectors/socrata-permits/emulator';
import { propertyRecordsEmulator } from '../connectors/property-records/emulator';
import { nominatimEmulator } from '../connectors/nominatim/emulator';
import { overpassEmulator } from '../connectors/osm-overpass/emulator';
import { censusAcsEmulator } from '../connectors/census-acs/emulator';
import { censusGeocoderEmulator } from '../connectors/census-geocoder/emulator';
import { nceiStormEventsEmulator } from '../connectors/ncei-storm-events/emulator';
import { noaaSpcEmulator } from '../connectors/noaa-spc/emulator';
import { naipEmulator } from '../connectors/naip/emulator';
import { googleStaticMapsEmulator } from '../connectors/google-static-maps/emulator';
import { mapboxStaticEmulator } from '../connectors/mapbox-static/emulator';
import type { EmulatorRoute } from './route-types';

/**
 * Every source's loopback emulator, served by server.ts under its prefix. A connector adds ONE
 * line here: its `emulator.ts` export.
 */

export type { EmulatorRequest, EmulatorResponse, EmulatorRoute } from './route-types';

export const ALL_ROUTES: readonly EmulatorRoute[] = [
  overpassEmulator,
  arcgisParcelsEmulator,
  socrataPermitsEmulator,
  propertyRecordsEmulator,
  nominatimEmulator,
  censusGeocoderEmulator,
  censusAcsEmulator,
  noaaSpcEmulator,
  nceiStormEventsEmulator,
  naipEmulator,
  googleStaticMapsEmulator,
  mapboxStaticEmulator,
];
