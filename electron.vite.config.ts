import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

// The six service entry files. The same built files run as Electron utility processes in the
// desktop app and as worker threads in the headless host and tests.
const SERVICES = ['orchestrator', 'scraper', 'enrichment', 'image-processor', 'ml-inference', 'lead-generator'];

const nodeInputs: Record<string, string> = {
  index: resolve('src/main/index.ts'),
  cli: resolve('src/cli/index.ts'),
  // Build step, not part of the app: converts the super-resolution models into models/ (npm run build runs it).
  models: resolve('src/ml/models-main.ts'),
};
for (const name of SERVICES) nodeInputs[`workers/${name}`] = resolve(`src/workers/${name}/index.ts`);

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      sourcemap: true,
      rollupOptions: { input: nodeInputs },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload can require only `electron`: bundle zod and our code into it.
      externalizeDeps: false,
      sourcemap: true,
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        // Sandboxed preloads cannot load ES modules.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    base: './',
    plugins: [react()],
    build: {
      outDir: resolve('out/renderer'),
      sourcemap: true,
      minify: true,
      // MapLibre alone is ~1 MB minified; one chunk loads fastest from disk.
      chunkSizeWarningLimit: 2500,
      rollupOptions: { input: { index: resolve('src/renderer/index.html') } },
    },
  },
});
