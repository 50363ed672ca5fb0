/** OpenStreetMap Nominatim: address search and reverse geocoding, its parser and its emulator. */
export { reverseNominatim, searchNominatim, searchNominatimAddress, type NominatimOptions } from './connector';
export { nominatimEmulator } from './emulator';
export { NOMINATIM_ATTRIBUTION, confidenceOf, parseNominatimReverse, parseNominatimSearch, placeRankOf, readNominatimJson, type NominatimPlace } from './parse';
