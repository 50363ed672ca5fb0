
/**
 * The service-specific contracts the orchestrator calls. Each grows with its feature issue
 * (scraping, enrichment, imagery, inference, leads); every service also serves
 * `baseServiceContract` (info, ping).
 */
export { scraperContract } from './scraper-contract';
export { enrichmentContract } from './enrichment-contract';
export { imageProcessorContract } from './imagery-contract';
export { mlInferenceContract } from './ml-contract';
export { leadGeneratorContract } from './leads-contract';
