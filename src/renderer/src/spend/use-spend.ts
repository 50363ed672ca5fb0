import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { BudgetStatus } from '../../../core/cost/budget-schemas';
import type { BudgetAlert, SpendSummary } from '../../../core/cost/spend-schemas';
import type { ConnectionState } from '../../../core/rpc/linked-client';
import { useApi } from '../api/api-context';
import { useSpendUiStore } from './spend-ui-store';

export const spendTodayKey = ['spend', 'today'] as const;
export const budgetStatusKey = ['budget', 'status'] as const;
export const alertsTodayKey = ['budget', 'alerts', 'today'] as const;
export const budgetSettingsKey = ['budget', 'settings'] as const;
export const pricesKey = ['budget', 'prices'] as const;

const fetchOptions = {
  staleTime: Infinity,
  refetchOnWindowFocus: false,
  refetchOnReconnect: false,
  retry: true,
  retryDelay: (attempt: number) => Math.min(500 * 2 ** attempt, 10_000),
} as const;

/**
 * Live spend without polling: one fetch each, then the orchestrator's `spend.changed` and
 * `budget.alert` pushes write straight into the cache. After the link comes back everything is
 * fetched again, since pushes made while it was down were lost. Mount once (the spend panel).
 */
export function useSpendFeed(): void {
  const api = useApi();
  const queryClient = useQueryClient();
  const showAlert = useSpendUiStore((s) => s.showAlert);

  useEffect(
    () =>
      api.onSpend(({ summary, budget }) => {
        const previousDay = queryClient.getQueryData<SpendSummary>(spendTodayKey)?.day;
        queryClient.setQueryData<SpendSummary>(spendTodayKey, summary);
        queryClient.setQueryData<BudgetStatus>(budgetStatusKey, budget);
        // A new budget day starts with no alerts.
        if (previousDay !== undefined && previousDay !== summary.day) queryClient.setQueryData<BudgetAlert[]>(alertsTodayKey, []);
      }),
    [api, queryClient],
  );

  useEffect(
    () =>
      api.onBudgetAlert((alert) => {
        queryClient.setQueryData<BudgetAlert[]>(alertsTodayKey, (alerts = []) => [
          alert,
          ...alerts.filter((a) => !(a.day === alert.day && a.pool === alert.pool && a.thresholdPercent === alert.thresholdPercent)),
        ]);
        showAlert(alert);
      }),
    [api, queryClient, showAlert],
  );

  useEffect(() => {
    let previous: ConnectionState | null = null;
    return api.onConnection((state) => {
      if (state === 'connected' && previous !== null && previous !== 'connected') {
        void queryClient.invalidateQueries({ queryKey: ['spend'] });
        void queryClient.invalidateQueries({ queryKey: ['budget'] });
      }
      previous = state;
    });
  }, [api, queryClient]);
}

export function useSpendToday() {
  const api = useApi();
  return useQuery({ queryKey: spendTodayKey, queryFn: () => api.getSpendSummary(), ...fetchOptions });
}

export function useBudgetStatus() {
  const api = useApi();
  return useQuery({ queryKey: budgetStatusKey, queryFn: () => api.getBudgetStatus(), ...fetchOptions });
}

export function useAlertsToday() {
  const api = useApi();
  return useQuery({ queryKey: alertsTodayKey, queryFn: () => api.listAlerts(), ...fetchOptions });
}

export function useBudgetSettings() {
  const api = useApi();
  return useQuery({ queryKey: budgetSettingsKey, queryFn: () => api.getBudgetSettings(), ...fetchOptions, staleTime: 0 });
}

export function usePrices() {
  const api = useApi();
  return useQuery({ queryKey: pricesKey, queryFn: () => api.getPrices(), ...fetchOptions, staleTime: 0 });
}
