import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { HostStatus } from '../../../core/contracts/services';
import type { ConnectionState } from '../../../core/rpc/linked-client';
import { useApi } from '../api/api-context';
import { useUiStore } from '../ui-store';
import { linkView, type LinkView } from './format';

export const hostStatusKey = ['host-status'] as const;

/**
 * The host's service table: fetched once, then kept current by the orchestrator's pushes (no
 * polling). After the link comes back the table is fetched again, since pushes made while it was
 * down were lost.
 */
export function useHostStatus() {
  const api = useApi();
  const queryClient = useQueryClient();

  useEffect(() => api.onStatus((status) => queryClient.setQueryData<HostStatus>(hostStatusKey, status)), [api, queryClient]);

  useEffect(() => {
    let previous: ConnectionState | null = null;
    return api.onConnection((state) => {
      if (state === 'connected' && previous !== null && previous !== 'connected') {
        void queryClient.invalidateQueries({ queryKey: hostStatusKey });
      }
      previous = state;
    });
  }, [api, queryClient]);

  return useQuery({
    queryKey: hostStatusKey,
    queryFn: () => api.getStatus(),
    staleTime: Infinity,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
    retry: true,
    retryDelay: (attempt) => Math.min(500 * 2 ** attempt, 10_000),
  });
}

/** The link to the orchestrator as the header shows it: connecting, connected, reconnecting, denied. */
export function useLinkView(): LinkView {
  const api = useApi();
  const [connection, setConnection] = useState<ConnectionState>('connecting');
  const [everConnected, setEverConnected] = useState(false);
  const accessDenied = useUiStore((s) => s.webSocketLink?.kind === 'unauthorized');

  useEffect(
    () =>
      api.onConnection((state) => {
        setConnection(state);
        if (state === 'connected') setEverConnected(true);
      }),
    [api],
  );
  return linkView(connection, everConnected, accessDenied);
}
