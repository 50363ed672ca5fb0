/** The one HTTP client and its error type; see client.ts and errors.ts. */
export {
  DEFAULT_MAX_BYTES,
  DEFAULT_RETRIES,
  DEFAULT_TIMEOUT_MS,
  MAX_TOTAL_RETRY_WAIT_MS,
  httpRequest,
  requestUrl,
  type HttpRequest,
  type HttpResponse,
  type MultipartFile,
} from './client';
export { CONNECTOR_ERROR_KINDS, ConnectorError, connectorStepError, isConnectorError, isTransient, type ConnectorErrorInit, type ConnectorErrorKind } from './errors';
export { decodeText, htmlTitle, isGzip, jsonEndsMidStructure, looksLikeHtml, parseJsonText } from './body';
export { DEFAULT_MAX_RATE_WAIT_MS, takeRateToken } from './rate-token';
