import { readSourceOverrides } from '../core/cost/source-policy';
import { configureSource, SOURCE_CATALOGUE } from '../core/cost/sources';
import { writeTransaction, type Db } from '../core/store/database';

/**
 * Points the source policies at running emulators (Settings → Data sources, actor 'emulators'),
 * keeping every other setting of each source, and gives back the way to undo exactly that.
 *
 *   applyEmulatorBaseUrls(db, baseUrls) → { applied: string[]; skipped: string[]; restore(): void }
 *
 * Sources the catalogue does not know yet, or local ones, are skipped (and listed), not refused:
 * the routes table may run ahead of the catalogue while connectors are added.
 */

export interface AppliedBaseUrls {
  applied: string[];
  skipped: string[];
  /** Puts back each applied source's settings as they were before (its defaults when it had none). */
  restore(): void;
}

const ACTOR = 'emulators';

export function applyEmulatorBaseUrls(db: Db, baseUrls: Record<string, string>): AppliedBaseUrls {
  const applied: string[] = [];
  const skipped: string[] = [];
  const previous = new Map<string, unknown>();
  writeTransaction(db, () => {
    const current = readSourceOverrides(db).overrides;
    for (const [source, baseUrl] of Object.entries(baseUrls)) {
      const declared = SOURCE_CATALOGUE.find((policy) => policy.id === source);
      if (!declared || declared.kind === 'local') {
        skipped.push(source);
        continue;
      }
      previous.set(source, current[source] ?? null);
      configureSource(db, source, { ...current[source], baseUrl }, { actor: ACTOR });
      applied.push(source);
    }
  });
  return {
    applied,
    skipped,
    restore() {
      writeTransaction(db, () => {
        for (const [source, override] of previous) configureSource(db, source, override, { actor: ACTOR });
      });
    },
  };
}
