/** NCEI Storm Events bulk files: the streaming details parser (also for imported files), the listing, the connector and its emulator. */
export { MAX_REJECTIONS_LISTED, STORM_EVENTS_ATTRIBUTION, STORM_EVENTS_COLUMNS, STORM_EVENTS_SOURCE, STORM_EVENT_KINDS, parseStormEvents, type StormEventsFilter, type StormEventsResult } from './parse';
export { STORM_EVENTS_FOLDER, latestDetailsFile, parseStormEventsListing, stormEventsFileFacts, stormEventsFileName, type StormEventsFile, type StormEventsFileKind } from './listing';
export { stormEventsTimeToUtc, timeZoneOffsetHours } from './time';
export { fetchStormEvents, type StormEventsCallOptions, type StormEventsFetch, type StormEventsRequest } from './connector';
export { nceiStormEventsEmulator } from './emulator';
