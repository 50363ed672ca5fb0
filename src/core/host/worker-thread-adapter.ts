import { MessageChannel, Worker } from 'node:worker_threads';
import type { ExitInfo, RawPort, ServiceHandle, SpawnAdapter } from './spawn';
import { workerWrapperSchema } from './parent-channel';

/**
 * Runs each service as a worker thread: the headless host's and the tests' adapter. Threads give
 * the same MessagePort topology as Electron utility processes (ports transfer between them), with
 * real isolation of heaps and event loops; a crash ends only that thread.
 */
export function createWorkerThreadAdapter(): SpawnAdapter {
  return {
    kind: 'worker-thread',
    createChannel(): [RawPort, RawPort] {
      const { port1, port2 } = new MessageChannel();
      return [port1, port2];
    },
    spawn({ service, entryFile, env }): ServiceHandle {
      const worker = new Worker(entryFile, {
        name: service,
        env: { ...process.env, ...env },
        stderr: false,
        stdout: false,
      });
      let killed = false;
      let lastError: Error | null = null;
      let exitHandler: ((info: ExitInfo) => void) | undefined;
      let exited: ExitInfo | null = null;
      worker.on('error', (error) => {
        lastError = error;
      });
      worker.on('exit', (code) => {
        exited = {
          code,
          reason: killed
            ? 'killed'
            : lastError
              ? `uncaught error: ${lastError.message}`
              : code === 0
                ? 'exited normally'
                : `exited with code ${code}`,
        };
        exitHandler?.(exited);
      });
      return {
        pid: process.pid,
        send(message, ports = []) {
          if (exited) return;
          worker.postMessage({ msg: message, ports }, ports as never[]);
        },
        onMessage(handler) {
          worker.on('message', (value: unknown) => {
            const wrapped = workerWrapperSchema.safeParse(value);
            if (wrapped.success) handler(wrapped.data.msg, wrapped.data.ports ?? []);
          });
        },
        onExit(handler) {
          exitHandler = handler;
          if (exited) handler(exited);
        },
        kill() {
          if (exited) return;
          killed = true;
          void worker.terminate();
        },
      };
    },
  };
}
