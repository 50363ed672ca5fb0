#!/usr/bin/env node
// The `fishmouth` command. The real entry is the build's out/main/cli.js (electron-vite bundles
// src/cli/index.ts there, beside the worker files it starts).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const entry = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));
if (!existsSync(entry)) {
  process.stderr.write('Fish Mouth is not built yet: run `npm run build`\n');
  process.exit(1);
}
await import(pathToFileURL(entry).href);
