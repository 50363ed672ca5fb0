/** Paid property records (ATTOM-style property API) for targeted enrichment: parser, connector, chain step. */
export { DEFAULT_PROPERTY_RECORDS_ATTRIBUTION, PROPERTY_RECORDS_SOURCE_ID, isNoResult, parsePropertyDetail, type PropertyDetail, type PropertyDetailContext, type PropertyRecord } from './parse';
export { PROPERTY_RECORDS_API_KEY_SECRET, addressLines, lookupPropertyAt, lookupPropertyByAddress, type PropertyLookup, type PropertyLookupOptions } from './connector';
export { PROPERTY_RECORD_FIELDS, PROPERTY_DETAIL_OPERATION, missingPropertyRecordFields, propertyRecordsPaidStep, type PropertyRecordField, type PropertyRecordsNeed, type PropertyRecordsStepOptions } from './step';
export { propertyRecordsEmulator } from './emulator';
