import { useEffect } from 'react';

/** The × button that closes a card over the map. */
export function CloseButton({ onClose, label, testId }: { onClose: () => void; label: string; testId?: string }) {
  return (
    <button type="button" className="icon-button" onClick={onClose} aria-label={label} title="Close" data-testid={testId}>
      <svg viewBox="0 0 16 16" aria-hidden="true" className="chevron">
        <path d="M4 4l8 8M12 4l-8 8" />
      </svg>
    </button>
  );
}

/** While `open`, Escape calls `close`. */
export function useCloseOnEscape(open: boolean, close: () => void): void {
  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      // Note: a dialog that handled Escape itself (defaultPrevented) keeps the card open.
      if (event.key === 'Escape' && !event.defaultPrevented) close();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open, close]);
}
