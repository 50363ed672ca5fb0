/**
 * Addresses: USPS-style normalisation, the matching key, one-line parsing, and the rules that
 * decide two descriptions are the same property (see match.ts). Browser-safe.
 */
export {
  addressKey,
  addressTokens,
  keyOfNormalised,
  normaliseAddress,
  normaliseCity,
  normalisePostcode,
  normaliseState,
  normaliseUnit,
  streetKeyOf,
  type LooseAddress,
} from './normalise';
export { parseOneLineAddress } from './parse';
export {
  SAME_PLACE_METERS,
  addressesConflict,
  distanceMeters,
  localitiesCompatible,
  metersToDegrees,
  pointInPolygon,
  polygonCentroid,
} from './match';
