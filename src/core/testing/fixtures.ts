import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The real samples beside the checkout (`../shared/fixtures/<folder>/`, each with a SOURCES.md):
 * acceptance tests read them when present and skip with a printed reason when not.
 *
 *   const fixtures = sharedFixtures('osm-nominatim');
 *   describe.skipIf(!fixtures.present)('…', () => { fixtures.text('file.json') … });
 */

const REPO_ROOT = resolve(__dirname, '../../..');

export interface SharedFixtures {
  dir: string;
  present: boolean;
  bytes(name: string): Buffer;
  text(name: string): string;
}

export function sharedFixtures(folder: string): SharedFixtures {
  const dir = resolve(REPO_ROOT, '../shared/fixtures', folder);
  const present = existsSync(dir);
  if (!present) console.warn(`${folder} acceptance tests skipped: ${dir} is absent (the real samples of that source).`);
  return {
    dir,
    present,
    bytes: (name) => readFileSync(join(dir, name)),
    text: (name) => readFileSync(join(dir, name), 'utf8'),
  };
}
