import type { FishMouthApi } from '../../../core/contracts/api';
import { connectWebSocketApi, type WebSocketLinkState } from '../../../core/rpc/browser-transports';
import { takeAccessToken, webSocketUrl } from './access-token';

/**
 * The one API the UI uses. In the desktop app the preload has put it on `window.fishmouth`; in a
 * browser pointed at `fishmouth serve` it is built over a WebSocket to the same origin.
 */
export function getApi(onWebSocketLink: (state: WebSocketLinkState) => void): FishMouthApi {
  if (window.fishmouth) return window.fishmouth;
  if (location.protocol !== 'http:' && location.protocol !== 'https:') {
    throw new Error('Fish Mouth could not reach its services: open the desktop app, or the link printed by `fishmouth serve`.');
  }
  const token = takeAccessToken({
    href: location.href,
    storage: sessionStorage,
    replaceUrl: (url) => history.replaceState(history.state, '', url),
  });
  return connectWebSocketApi({ url: webSocketUrl(location.href, token), onState: onWebSocketLink });
}
