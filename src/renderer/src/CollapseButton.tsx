/** The show/hide button of a card over the map (the status panel, the spend card). */
export function CollapseButton({ collapsed, onToggle, subject }: { collapsed: boolean; onToggle: () => void; subject: string }) {
  const label = `${collapsed ? 'Show' : 'Hide'} ${subject}`;
  return (
    <button type="button" className="icon-button collapse-button" onClick={onToggle} aria-expanded={!collapsed} aria-label={label} title={label}>
      <svg viewBox="0 0 16 16" aria-hidden="true" className="chevron">
        <path d="M4 6l4 4 4-4" />
      </svg>
    </button>
  );
}
