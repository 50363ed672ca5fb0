import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { ScanStatus, ScanTarget } from '../../../core/contracts/scan-api';
import type { ConnectionState } from '../../../core/rpc/linked-client';
import { useApi } from '../api/api-context';

export const scansKey = ['scans', 'recent'] as const;
const RECENT = 5;

/**
 * The recent scans, kept current by `scan.progress` pushes (no polling); fetched again when the
 * link comes back, since pushes made while it was down were lost.
 */
export function useScans() {
  const api = useApi();
  const queryClient = useQueryClient();

  useEffect(
    () =>
      api.onScanProgress((status) => {
        queryClient.setQueryData<ScanStatus[]>(scansKey, (scans = []) => [status, ...scans.filter((scan) => scan.runId !== status.runId)].sort(newestFirst).slice(0, RECENT));
      }),
    [api, queryClient],
  );

  useEffect(() => {
    let previous: ConnectionState | null = null;
    return api.onConnection((state) => {
      if (state === 'connected' && previous !== null && previous !== 'connected') void queryClient.invalidateQueries({ queryKey: scansKey });
      previous = state;
    });
  }, [api, queryClient]);

  return useQuery({
    queryKey: scansKey,
    queryFn: () => api.listScans(RECENT),
    staleTime: Infinity,
    refetchOnWindowFocus: false,
    retry: true,
    retryDelay: (attempt: number) => Math.min(500 * 2 ** attempt, 10_000),
  });
}

export function useStartScan() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (target: ScanTarget) => api.startScan(target),
    onSuccess: (status) => queryClient.setQueryData<ScanStatus[]>(scansKey, (scans = []) => [status, ...scans.filter((scan) => scan.runId !== status.runId)].slice(0, RECENT)),
  });
}

export function useCancelScan() {
  const api = useApi();
  return useMutation({ mutationFn: (runId: string) => api.cancelScan(runId) });
}

function newestFirst(a: ScanStatus, b: ScanStatus): number {
  return b.createdAt.localeCompare(a.createdAt);
}
