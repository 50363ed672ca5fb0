import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import type { ScanStage, ScanStatus } from '../../../core/contracts/scan-api';
import type { ConnectionState } from '../../../core/rpc/linked-client';
import { useApi } from './api-context';

/*
 * Keeping what a scan writes fresh on screen: its queries are fetched again when a scan ends, now
 * and then while the stage that writes them runs, and after the link comes back (pushes made while
 * it was down were lost).
 */

export interface ScanRefetch {
  /** Fetched again when a scan ends and after a reconnect. */
  queryKey: QueryKey;
  /** The scan stage that writes these queries' data. */
  liveStage: ScanStage;
  /** What is fetched again while `liveStage` runs; `queryKey` unless given. */
  liveQueryKey?: QueryKey;
  /** While `liveStage` runs, fetched again at most this often. */
  liveEveryMs: number;
}

export function useRefetchOnScan(refetch: ScanRefetch): void {
  const api = useApi();
  const queryClient = useQueryClient();
  const lastLive = useRef(0);
  // Note: read through a ref so a caller's fresh object each render does not resubscribe.
  const current = useRef(refetch);
  current.current = refetch;

  useEffect(() => {
    const states = new Map<string, ScanStatus['state']>();
    return api.onScanProgress((status) => {
      const { queryKey, liveStage, liveQueryKey, liveEveryMs } = current.current;
      const before = states.get(status.runId);
      states.set(status.runId, status.state);
      const ended = status.state !== 'running' && status.state !== 'planned';
      if (ended && before !== status.state) {
        void queryClient.invalidateQueries({ queryKey });
        return;
      }
      if (status.stage === liveStage && Date.now() - lastLive.current >= liveEveryMs) {
        lastLive.current = Date.now();
        void queryClient.invalidateQueries({ queryKey: liveQueryKey ?? queryKey });
      }
    });
  }, [api, queryClient]);

  useRefetchOnReconnect(refetch.queryKey);
}

/** Fetches `queryKey` again each time the link to the services comes back after being down. */
export function useRefetchOnReconnect(queryKey: QueryKey): void {
  const api = useApi();
  const queryClient = useQueryClient();
  const current = useRef(queryKey);
  current.current = queryKey;

  useEffect(() => {
    let previous: ConnectionState | null = null;
    return api.onConnection((state) => {
      if (state === 'connected' && previous !== null && previous !== 'connected') void queryClient.invalidateQueries({ queryKey: current.current });
      previous = state;
    });
  }, [api, queryClient]);
}
