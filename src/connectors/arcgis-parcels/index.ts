/** County parcels over ArcGIS REST: the county list (data), the parsers, the connector. */
export { SEED_COUNTIES, countyConfigSchema, countyFieldsSchema, countyForFields, countyListSchema, findCounty, mappedFieldNames, type CountyConfig, type CountyConfigInput, type CountyFields } from './counties';
export { ARCGIS_SOURCE_ID, type ParcelRecord, type ParcelRejection } from './mapping';
export { arcgisRefusal, parseCount, parseFeaturePage, parseGeoJsonPage, parseLayerMetadata, parseObjectIds, parseStatistics, type LayerMetadata, type PageContext, type ParcelPage } from './parse';
export { countParcels, countyLayerPolicy, fetchLayerMetadata, fetchParcelIds, fetchParcels, type ArcgisCallOptions, type FetchParcelsOptions, type ParcelFetch } from './connector';
export { arcgisParcelsEmulator } from './emulator';
