import type { FishMouthApi } from '../../core/contracts/api';

declare global {
  interface Window {
    /** Exposed by the Electron preload; absent in a plain browser (the WebSocket client is used). */
    readonly fishmouth?: FishMouthApi;
    /** Set when the map has drawn for the first time; the end-to-end test waits for it. */
    __fishmouthMapLoaded?: boolean;
  }
}

export {};
