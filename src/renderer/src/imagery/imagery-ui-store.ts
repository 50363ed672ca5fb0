import { create } from 'zustand';

/*
 * UI state of imagery on the map: which overlays show, whether the imagery card is open, and the
 * property whose roof image is in the side panel. What is fetched lives in react-query.
 */

export interface SelectedProperty {
  id: string;
  address: string | null;
}

interface ImageryUiState {
  showCache: boolean;
  showBatches: boolean;
  cardCollapsed: boolean;
  selected: SelectedProperty | null;
  setShowCache(show: boolean): void;
  setShowBatches(show: boolean): void;
  toggleCard(): void;
  select(property: SelectedProperty | null): void;
}

export const useImageryUiStore = create<ImageryUiState>()((set) => ({
  showCache: true,
  showBatches: true,
  cardCollapsed: true,
  selected: null,
  setShowCache: (showCache) => set({ showCache }),
  setShowBatches: (showBatches) => set({ showBatches }),
  toggleCard: () => set((s) => ({ cardCollapsed: !s.cardCollapsed })),
  select: (selected) => set({ selected }),
}));
