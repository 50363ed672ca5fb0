import { contextBridge, ipcRenderer } from 'electron';
import { createFishMouthApi } from '../core/contracts/api';
import { orchestratorApiContract } from '../core/contracts/orchestrator-api';
import { browserPortTransport, type MessagePortLike } from '../core/rpc/browser-transports';
import { LinkedClient } from '../core/rpc/linked-client';
import { RpcPeer } from '../core/rpc/peer';

/*
 * The sandboxed preload: the page gets `window.fishmouth`, the one typed API (FishMouthApi), and
 * nothing else — no ipcRenderer, no generic send/invoke. Calls travel over a MessagePort straight
 * to the orchestrator service; the main process only hands the port over. Must stay in step with
 * src/main/main-window.ts (channel names).
 */
const REQUEST_PORT_CHANNEL = 'fishmouth:request-port';
const PORT_CHANNEL = 'fishmouth:port';

const client = new LinkedClient(orchestratorApiContract, { remoteName: 'the orchestrator' });
let current: RpcPeer | null = null;

// Main posts a fresh port now and again after every orchestrator restart; the newest one wins.
ipcRenderer.on(PORT_CHANNEL, (event) => {
  const port = event.ports[0];
  if (!port) return;
  const previous = current;
  current = new RpcPeer(browserPortTransport(port as unknown as MessagePortLike), {
    remoteName: 'the orchestrator',
    onProtocolError: (message) => console.warn(`[fishmouth] ${message}`),
  });
  // Attach before closing the old link, so the page sees "connected" rather than a blip.
  client.attach(current);
  previous?.close('replaced by a new link to the orchestrator');
});

contextBridge.exposeInMainWorld('fishmouth', createFishMouthApi(client, 'electron'));

ipcRenderer.invoke(REQUEST_PORT_CHANNEL).catch((error: Error) => {
  console.error(`[fishmouth] could not ask for a link to the services: ${error.message}`);
});
