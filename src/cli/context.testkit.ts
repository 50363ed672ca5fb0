import type { CliContext } from './command';

export interface TestContext extends CliContext {
  out(): string;
  err(): string;
  /** Delivers a stop request, as SIGINT or SIGTERM would. */
  signal(name?: string): void;
}

/** A CLI context that records output and lets the test send stop signals. */
export function testContext(overrides: Partial<CliContext> = {}): TestContext {
  let stdout = '';
  let stderr = '';
  const handlers = new Set<(signal: string) => void>();
  return {
    version: '9.9.9-test',
    workersDir: '/nonexistent/out/main',
    rendererDir: '/nonexistent/out/renderer',
    env: {},
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    onStopSignal(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    ...overrides,
    out: () => stdout,
    err: () => stderr,
    signal: (name = 'SIGTERM') => [...handlers].forEach((h) => h(name)),
  };
}
