/**
 * Every connector's public functions, one export line per source (each engineer adds theirs).
 * A service imports connectors from here; tests import the folder they test.
 */
export * as arcgisParcels from './arcgis-parcels';
export * as socrataPermits from './socrata-permits';
export * as propertyRecords from './property-records';
export * as nominatim from './nominatim';
export * as osmOverpass from './osm-overpass';
export * as censusAcs from './census-acs';
export * as censusGeocoder from './census-geocoder';
export * as nceiStormEvents from './ncei-storm-events';
export * as noaaSpc from './noaa-spc';
