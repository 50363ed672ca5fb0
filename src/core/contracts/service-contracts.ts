import { defineContract } from '../rpc/contract';

/**
 * The service-specific contracts the orchestrator calls. Each grows with its feature issue
 * (scraping, enrichment, imagery, inference, leads); every service also serves
 * `baseServiceContract` (info, ping).
 */
export { scraperContract } from './scraper-contract';
export { enrichmentContract } from './enrichment-contract';
export { imageProcessorContract } from './imagery-contract';
export { mlInferenceContract } from './ml-contract';
export const leadGeneratorContract = defineContract({ name: 'lead-generator', methods: {}, events: {} });
