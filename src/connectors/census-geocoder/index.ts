/** The US Census geocoder: one-line and batch geocoding with census tracts, its parsers and its emulator. */
export { MAX_BATCH_ROWS, censusBatchFile, parseCensusBatch, type CensusBatchAddress, type CensusBatchAnswer, type CensusBatchRow, type CensusMatchStatus } from './batch';
export { geocodeCensusBatch, geocodeCensusOneLine, type CensusGeocoderOptions, type CensusReturnType } from './connector';
export { censusGeocoderEmulator } from './emulator';
export { CENSUS_ATTRIBUTION, CENSUS_GEOCODER_SOURCE, addressOfMatchedText, parseCensusOneLine, readCensusJson } from './parse';
