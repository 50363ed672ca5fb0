import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { createPortal } from 'react-dom';
import type { BudgetUpdateInput } from '../../../core/contracts/cost-api';
import type { VersionedBudgetSettings } from '../../../core/cost/budget-schemas';
import { useApi } from '../api/api-context';
import { splitFieldErrors, usdInput } from './format';
import { PriceTableEditor } from './PriceTableEditor';
import { budgetSettingsKey, budgetStatusKey, spendTodayKey, useBudgetSettings } from './use-spend';

/**
 * Budget & prices: the manager's settings. Money fields are plain text sent as typed; the
 * orchestrator parses them and a refusal comes back under the field it concerns.
 * Note: portalled to <body> so no panel's backdrop-filter clips the fixed overlay.
 */
export function BudgetSettingsDialog({ onClose }: { onClose(): void }) {
  const card = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    card.current?.focus();
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  return createPortal(
    <div className="overlay" onMouseDown={(event) => event.target === event.currentTarget && onClose()}>
      <div ref={card} className="overlay-card budget-dialog" role="dialog" aria-modal="true" aria-labelledby="budget-dialog-title" tabIndex={-1} data-testid="budget-settings">
        <header className="budget-dialog-header">
          <div>
            <h2 id="budget-dialog-title">Budget &amp; prices</h2>
            <p className="small muted">Changes are manager actions, kept as new versions and recorded in the audit log.</p>
          </div>
          <button type="button" className="icon-button" onClick={onClose} aria-label="Close budget settings" title="Close">
            <svg viewBox="0 0 16 16" aria-hidden="true" className="chevron">
              <path d="M4 4l8 8M12 4l-8 8" />
            </svg>
          </button>
        </header>
        <BudgetForm />
        <PriceTableEditor />
      </div>
    </div>,
    document.body,
  );
}

const MONEY_FIELDS = [
  { name: 'dailyUsd', label: 'Daily budget', hint: 'Resets at midnight in the time zone below', from: (s: VersionedBudgetSettings) => s.dailyMicros },
  { name: 'emergencyUsd', label: 'Emergency budget', hint: 'Extra for one day, once a manager opens it', from: (s: VersionedBudgetSettings) => s.emergencyMicros },
  { name: 'perCallCapUsd', label: 'Per-call cap', hint: 'Most one paid call may cost', from: (s: VersionedBudgetSettings) => s.perCallCapMicros },
  { name: 'perRequestCapUsd', label: 'Per-request cap', hint: 'Most one request (e.g. a territory run) may cost', from: (s: VersionedBudgetSettings) => s.perRequestCapMicros },
] as const;
type MoneyField = (typeof MONEY_FIELDS)[number]['name'];
type Field = MoneyField | 'prioritySharesPercent' | 'timeZone';
const FIELDS: readonly Field[] = ['dailyUsd', 'emergencyUsd', 'perCallCapUsd', 'perRequestCapUsd', 'prioritySharesPercent', 'timeZone'];
/** The names the settings themselves use in their refusals. */
const ALIASES: Partial<Record<string, Field>> = {
  dailyMicros: 'dailyUsd',
  emergencyMicros: 'emergencyUsd',
  perCallCapMicros: 'perCallCapUsd',
  perRequestCapMicros: 'perRequestCapUsd',
};
const PRIORITIES = ['high', 'medium', 'low'] as const;

type Draft = Record<MoneyField | 'timeZone' | (typeof PRIORITIES)[number], string>;

function draftOf(settings: VersionedBudgetSettings): Draft {
  return {
    dailyUsd: usdInput(settings.dailyMicros),
    emergencyUsd: usdInput(settings.emergencyMicros),
    perCallCapUsd: usdInput(settings.perCallCapMicros),
    perRequestCapUsd: usdInput(settings.perRequestCapMicros),
    high: String(settings.prioritySharesPercent.high),
    medium: String(settings.prioritySharesPercent.medium),
    low: String(settings.prioritySharesPercent.low),
    timeZone: settings.timeZone,
  };
}

function BudgetForm() {
  const api = useApi();
  const queryClient = useQueryClient();
  const settings = useBudgetSettings();
  const id = useId();
  const [draft, setDraft] = useState<Draft | null>(null);
  const [errors, setErrors] = useState<{ byField: Partial<Record<Field, string>>; general: string | null }>({ byField: {}, general: null });
  const [savedVersion, setSavedVersion] = useState<number | null>(null);
  const zones = useMemo(() => (typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : []), []);

  const loaded = settings.data;
  useEffect(() => {
    if (loaded && draft === null) setDraft(draftOf(loaded));
  }, [loaded, draft]);

  const save = useMutation({
    mutationFn: (input: BudgetUpdateInput) => api.updateBudget(input),
    onSuccess: (saved) => {
      queryClient.setQueryData(budgetSettingsKey, saved);
      void queryClient.invalidateQueries({ queryKey: budgetStatusKey });
      void queryClient.invalidateQueries({ queryKey: spendTodayKey });
      setDraft(draftOf(saved));
      setSavedVersion(saved.version);
      setErrors({ byField: {}, general: null });
    },
    onError: (error) => setErrors(splitFieldErrors(error.message, FIELDS, ALIASES)),
  });

  if (!loaded || !draft) {
    return <p className="small muted">{settings.isError ? settings.error.message : 'Loading the budget settings…'}</p>;
  }
  const original = draftOf(loaded);
  const changed = (Object.keys(draft) as (keyof Draft)[]).filter((key) => draft[key].trim() !== original[key]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSavedVersion(null);
    const input: BudgetUpdateInput = {};
    for (const field of MONEY_FIELDS) if (changed.includes(field.name)) input[field.name] = draft[field.name].trim();
    if (changed.includes('timeZone')) input.timeZone = draft.timeZone.trim();
    if (PRIORITIES.some((p) => changed.includes(p))) {
      const shares = PRIORITIES.map((p) => draft[p].trim());
      if (shares.some((share) => !/^\d{1,3}$/.test(share))) {
        return setErrors({ byField: { prioritySharesPercent: 'Each share is a whole percentage from 0 to 100.' }, general: null });
      }
      input.prioritySharesPercent = { high: Number(shares[0]), medium: Number(shares[1]), low: Number(shares[2]) };
    }
    if (Object.keys(input).length === 0) return setErrors({ byField: {}, general: 'Nothing has changed.' });
    save.mutate(input);
  };
  const edit = (key: keyof Draft) => (value: string) => {
    setDraft({ ...draft, [key]: value });
    setSavedVersion(null);
  };

  return (
    <form className="budget-form" onSubmit={submit} noValidate aria-labelledby={`${id}-title`} data-testid="budget-form">
      <h3 id={`${id}-title`}>Budget</h3>
      <div className="budget-grid">
        {MONEY_FIELDS.map((field) => (
          <label key={field.name} className="budget-field">
            <span className="budget-label">{field.label}</span>
            <span className={`money-input${errors.byField[field.name] ? ' is-invalid' : ''}`}>
              <span aria-hidden="true">$</span>
              <input
                name={field.name}
                inputMode="decimal"
                autoComplete="off"
                value={draft[field.name]}
                onChange={(event) => edit(field.name)(event.target.value)}
                aria-invalid={errors.byField[field.name] !== undefined}
                aria-describedby={`${id}-${field.name}-note`}
              />
            </span>
            <span id={`${id}-${field.name}-note`} className={`small ${errors.byField[field.name] ? 'error-text' : 'muted'}`}>
              {errors.byField[field.name] ?? field.hint}
            </span>
          </label>
        ))}
      </div>

      <fieldset className="budget-shares">
        <legend className="budget-label">Priority shares of the daily budget</legend>
        <div className="budget-share-inputs">
          {PRIORITIES.map((priority) => (
            <label key={priority}>
              <span className="small">{priority[0]!.toUpperCase() + priority.slice(1)}</span>
              <span className={`percent-input${errors.byField.prioritySharesPercent ? ' is-invalid' : ''}`}>
                <input name={priority} inputMode="numeric" value={draft[priority]} onChange={(event) => edit(priority)(event.target.value)} />
                <span aria-hidden="true">%</span>
              </span>
            </label>
          ))}
        </div>
        <span className={`small ${errors.byField.prioritySharesPercent ? 'error-text' : 'muted'}`}>
          {errors.byField.prioritySharesPercent ?? 'Whole percentages adding up to 100; low priority can never use high priority’s share.'}
        </span>
      </fieldset>

      <label className="budget-field">
        <span className="budget-label">Time zone</span>
        <input
          className={errors.byField.timeZone ? 'is-invalid' : undefined}
          name="timeZone"
          list={`${id}-zones`}
          value={draft.timeZone}
          onChange={(event) => edit('timeZone')(event.target.value)}
          aria-invalid={errors.byField.timeZone !== undefined}
        />
        <datalist id={`${id}-zones`}>
          {zones.map((zone) => (
            <option key={zone} value={zone} />
          ))}
        </datalist>
        <span className={`small ${errors.byField.timeZone ? 'error-text' : 'muted'}`}>{errors.byField.timeZone ?? 'Where midnight starts a new budget day'}</span>
      </label>

      {errors.general && (
        <p className="small error-text" role="alert">
          {errors.general}
        </p>
      )}
      <div className="spend-actions">
        <button type="submit" className="button primary" disabled={save.isPending || changed.length === 0}>
          {save.isPending ? 'Saving…' : 'Save budget'}
        </button>
        {changed.length > 0 && (
          <button type="button" className="button" onClick={() => setDraft(original)}>
            Undo changes
          </button>
        )}
        {savedVersion !== null && <span className="small tone-ok spend-saved">Saved as version {savedVersion}</span>}
      </div>
    </form>
  );
}
