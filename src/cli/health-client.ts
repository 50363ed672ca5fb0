import { hostStatusSchema, type HostStatus } from '../core/contracts/services';
import { describeZodError } from '../core/rpc/protocol';

export type HealthAnswer =
  | { kind: 'answered'; status: HostStatus; httpStatus: number }
  /** Nothing listens there, or it did not answer in time. */
  | { kind: 'unreachable'; message: string }
  /** Something answered, but not a Fish Mouth host. */
  | { kind: 'foreign'; message: string };

/** Asks a headless host for its status: `GET <baseUrl>api/health` (no token needed). */
export async function fetchHostHealth(baseUrl: string, timeoutMs = 3_000): Promise<HealthAnswer> {
  const url = new URL('api/health', baseUrl);
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { Accept: 'application/json' } });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    return { kind: 'unreachable', message: `nothing answered at ${url.origin} (${cause})` };
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return { kind: 'foreign', message: `${url.origin} answered with something that is not JSON (HTTP ${response.status})` };
  }
  const status = hostStatusSchema.safeParse(body);
  if (!status.success) {
    return { kind: 'foreign', message: `${url.origin} is not a Fish Mouth host (HTTP ${response.status}: ${describeZodError(status.error)})` };
  }
  return { kind: 'answered', status: status.data, httpStatus: response.status };
}
