/** Census ACS 5-year figures: the parser, the connector and its emulator. */
export { ACS_ATTRIBUTION, ACS_GEOGRAPHY_NAME, ACS_SOURCE, ACS_VARIABLES, CENSUS_API_KEY_NAME, acsNumber, censusRefusal, parseAcsResponse, parseAcsRows, type AcsField, type AcsGeography, type AcsParseOptions, type AcsParseResult, type AcsRejectedRow } from './parse';
export { acsQuery, fetchAcsFigures, type AcsCallOptions, type AcsFetch, type AcsFigureRequest } from './connector';
export { censusAcsEmulator } from './emulator';
