import { create } from 'zustand';
import type { BudgetAlert } from '../../../core/cost/spend-schemas';

/*
 * UI state of the spend panel only; budgets and spend live in react-query's cache.
 */

export interface AlertToast {
  id: string;
  alert: BudgetAlert;
}

interface SpendUiState {
  collapsed: boolean;
  settingsOpen: boolean;
  toasts: AlertToast[];
  toggleCollapsed(): void;
  setSettingsOpen(open: boolean): void;
  showAlert(alert: BudgetAlert): void;
  dismissToast(id: string): void;
}

/** Toasts beyond this many push the oldest out: a burst of alerts must not cover the map. */
const MAX_TOASTS = 3;

export const useSpendUiStore = create<SpendUiState>()((set) => ({
  collapsed: false,
  settingsOpen: false,
  toasts: [],
  toggleCollapsed: () => set((s) => ({ collapsed: !s.collapsed })),
  setSettingsOpen: (settingsOpen) => set({ settingsOpen }),
  showAlert: (alert) =>
    set((s) => {
      const id = `${alert.day}:${alert.pool}:${alert.thresholdPercent}`;
      if (s.toasts.some((t) => t.id === id)) return {};
      return { toasts: [...s.toasts, { id, alert }].slice(-MAX_TOASTS) };
    }),
  dismissToast: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
}));
