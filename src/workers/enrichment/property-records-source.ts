import { PROPERTY_RECORDS_API_KEY_SECRET } from '../../connectors/property-records/connector';
import { propertyRecordsPaidStep } from '../../connectors/property-records/step';
import type { SecretReader } from '../../core/secrets/vault';
import type { PropertyRecordsStep } from './facts-chain';

/** The paid property-records step, its API key read from the vault at each call (a key saved mid-scan counts). */
export function propertyRecordsStep(secrets: SecretReader): PropertyRecordsStep {
  return propertyRecordsPaidStep({ apiKey: () => secrets.get(PROPERTY_RECORDS_API_KEY_SECRET) });
}
