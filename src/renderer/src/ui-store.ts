import { create } from 'zustand';
import type { DiagnosticsResult } from '../../core/contracts/api';
import type { ServiceName } from '../../core/contracts/services';
import type { WebSocketLinkState } from '../../core/rpc/browser-transports';
import type { Progress } from '../../core/rpc/protocol';

/*
 * UI state only. Anything fetched from the services lives in react-query's cache instead.
 */

export type DiagnosticsRun =
  | { phase: 'idle' }
  | { phase: 'running'; requestId: string; progress: Progress | null; cancelling: boolean }
  | { phase: 'done'; result: DiagnosticsResult; finishedAt: number }
  | { phase: 'cancelled' }
  | { phase: 'failed'; message: string };

interface UiState {
  panelCollapsed: boolean;
  selectedService: ServiceName | null;
  diagnostics: DiagnosticsRun;
  /** Only in a browser: how the WebSocket to the headless host stands (null under Electron). */
  webSocketLink: WebSocketLinkState | null;
  togglePanel(): void;
  toggleService(name: ServiceName): void;
  setDiagnostics(run: DiagnosticsRun): void;
  /** Applies `update` only while the run `requestId` is still the current one. */
  updateRunningDiagnostics(requestId: string, update: (run: Extract<DiagnosticsRun, { phase: 'running' }>) => DiagnosticsRun): void;
  setWebSocketLink(state: WebSocketLinkState): void;
}

export const useUiStore = create<UiState>()((set) => ({
  panelCollapsed: false,
  selectedService: null,
  diagnostics: { phase: 'idle' },
  webSocketLink: null,
  togglePanel: () => set((s) => ({ panelCollapsed: !s.panelCollapsed })),
  toggleService: (name) => set((s) => ({ selectedService: s.selectedService === name ? null : name })),
  setDiagnostics: (diagnostics) => set({ diagnostics }),
  updateRunningDiagnostics: (requestId, update) =>
    set((s) =>
      s.diagnostics.phase === 'running' && s.diagnostics.requestId === requestId ? { diagnostics: update(s.diagnostics) } : {},
    ),
  setWebSocketLink: (webSocketLink) => set({ webSocketLink }),
}));
