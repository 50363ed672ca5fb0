import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { version } from '../../package.json';
import type { CliContext, ExitCode } from './command';
import { runCli } from './run';

// Note: computed here, in the entry, on purpose. The build puts this file at out/main/cli.js beside
// workers/<service>.js; code shared with other entries lands in out/main/chunks/, where
// import.meta.url would name the wrong folder.
const workersDir = dirname(fileURLToPath(import.meta.url));

const context: CliContext = {
  version,
  workersDir,
  rendererDir: join(workersDir, '..', 'renderer'),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  onStopSignal(handler) {
    const onSigint = () => handler('SIGINT');
    const onSigterm = () => handler('SIGTERM');
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
    // Note: `npx fishmouth` and `npm run serve` start us through `sh -c`; a SIGTERM sent to npm ends
    // npm and that shell but never reaches us. A new parent means npm is gone: stop rather than
    // live on as an orphan. (Only under npm: after `nohup fishmouth serve &` a new parent is normal.)
    const parent = process.ppid;
    const parentWatch = process.env.npm_command
      ? setInterval(() => {
          if (process.ppid === parent) return;
          clearInterval(parentWatch);
          handler('npm exited');
        }, 1_000).unref()
      : undefined;
    return () => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      clearInterval(parentWatch);
    };
  },
};

/** Exits once stdout and stderr are flushed: pipes are asynchronous on some platforms. */
function exitWhenFlushed(code: ExitCode): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

runCli(process.argv.slice(2), context).then(exitWhenFlushed, (error: unknown) => {
  process.stderr.write(`fishmouth: ${(error as Error)?.stack ?? String(error)}\n`);
  exitWhenFlushed(1);
});
