import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultModelsDir, readManifest } from './model-files';

const saved = (process as { resourcesPath?: string }).resourcesPath;
afterEach(() => {
  (process as { resourcesPath?: string }).resourcesPath = saved;
});

describe('where the models are', () => {
  it('uses the checkout models/ folder when not packaged', () => {
    expect(defaultModelsDir()).toBe(resolve(__dirname, '../../models'));
  });

  it('uses resources/models in the packaged app', () => {
    const resources = mkdtempSync(join(tmpdir(), 'fishmouth-resources-'));
    try {
      mkdirSync(join(resources, 'models'));
      writeFileSync(join(resources, 'models', 'manifest.json'), '{"models":[]}');
      (process as { resourcesPath?: string }).resourcesPath = resources;
      expect(defaultModelsDir()).toBe(join(resources, 'models'));
    } finally {
      rmSync(resources, { recursive: true, force: true });
    }
  });

  it('refuses a manifest that is not one, saying how to rebuild it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fishmouth-manifest-'));
    try {
      writeFileSync(join(dir, 'manifest.json'), '{"models":[{"id":"x"}]}');
      await expect(readManifest(dir)).rejects.toMatchObject({ kind: 'model-invalid', message: expect.stringMatching(/npm run build/) });
      writeFileSync(join(dir, 'manifest.json'), '<html>');
      await expect(readManifest(dir)).rejects.toMatchObject({ kind: 'model-invalid', message: expect.stringMatching(/not JSON/) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
