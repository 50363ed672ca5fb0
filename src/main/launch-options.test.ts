import { describe, expect, it } from 'vitest';
import { dataDirArgument, serviceEnvironment } from './launch-options';

describe('desktop launch options', () => {
  it('reads --data DIR and --data=DIR among Electron and Chromium arguments', () => {
    expect(dataDirArgument(['/usr/bin/electron', '.', '--data', '/tmp/fm'])).toEqual({ dir: '/tmp/fm' });
    expect(dataDirArgument(['/opt/Fish Mouth/fishmouth', '--no-sandbox', '--data=/srv/fm data'])).toEqual({ dir: '/srv/fm data' });
    expect(dataDirArgument(['/opt/Fish Mouth/fishmouth', '--enable-logging'])).toEqual({ dir: undefined });
  });

  it('explains a --data without a folder', () => {
    for (const argv of [['x', '--data'], ['x', '--data', '--enable-logging'], ['x', '--data=']]) {
      const result = dataDirArgument(argv);
      expect(result).toMatchObject({ kind: 'bad-argument' });
      expect((result as { message: string }).message).toMatch(/--data needs a folder/);
    }
  });

  it('gives services the app environment without code-injecting variables, plus their own', () => {
    const env = serviceEnvironment(
      { PATH: '/usr/bin', NODE_OPTIONS: '--require /tmp/evil.js', ELECTRON_RUN_AS_NODE: '1', FISHMOUTH_DATA: '/a', UNSET: undefined },
      { FISHMOUTH_SERVICE: 'scraper', FISHMOUTH_DATA: '/b' },
    );
    expect(env).toEqual({ PATH: '/usr/bin', FISHMOUTH_DATA: '/b', FISHMOUTH_SERVICE: 'scraper' });
  });
});
