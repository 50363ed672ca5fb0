import type { LatLng } from '../../../core/domain/geo';

/*
 * The two things the leads card asks of the device: where the rep stands (only if the rep or the
 * system allows it; never required) and saving an export as a file.
 */

export type PositionResult = { ok: true; position: LatLng } | { ok: false; reason: string };

/** How long to wait for a fix before going on without one. */
const POSITION_TIMEOUT_MS = 10_000;

/**
 * The rep's position, or why there is none. Note: asking may show the browser's permission
 * prompt; a refusal is remembered by the browser and is answered here without asking again.
 */
export async function currentPosition(): Promise<PositionResult> {
  if (typeof navigator === 'undefined' || !navigator.geolocation) return { ok: false, reason: 'this device cannot tell its position' };
  try {
    const permission = await navigator.permissions?.query({ name: 'geolocation' });
    if (permission?.state === 'denied') return { ok: false, reason: 'location is turned off for Fish Mouth' };
  } catch {
    // Some hosts cannot query this permission: asking for the position tells the same.
  }
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition(
      (found) => resolve({ ok: true, position: { lat: found.coords.latitude, lng: found.coords.longitude } }),
      (error) => resolve({ ok: false, reason: positionErrorText(error.code) }),
      { enableHighAccuracy: true, timeout: POSITION_TIMEOUT_MS, maximumAge: 60_000 },
    );
  });
}

/** Whether the position can be had without a prompt (to tick "record where I am" by default). */
export async function positionAllowed(): Promise<boolean> {
  try {
    return (await navigator.permissions?.query({ name: 'geolocation' }))?.state === 'granted';
  } catch {
    return false;
  }
}

function positionErrorText(code: number): string {
  if (code === 1) return 'location is turned off for Fish Mouth';
  if (code === 3) return 'no position fix in time';
  return 'the position is not available';
}

/** Saves `text` as a file the browser downloads (a blob: link; the page's CSP allows blob:). */
export function saveTextFile(filename: string, mime: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: mime }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  // Note: revoked on the next turn, after the browser has started the download from it.
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}
