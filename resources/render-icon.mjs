// Renders resources/icon.svg to the PNG icons electron-builder uses (it derives .icns and .ico
// from icon.png). Run after editing the SVG: node resources/render-icon.mjs
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const here = dirname(fileURLToPath(import.meta.url));
const svg = readFileSync(join(here, 'icon.svg'));
await sharp(svg, { density: 144 }).resize(512, 512).png({ compressionLevel: 9 }).toFile(join(here, 'icon.png'));
for (const size of [16, 32, 48, 64, 128, 256, 512]) {
  await sharp(svg, { density: 144 }).resize(size, size).png({ compressionLevel: 9 }).toFile(join(here, 'icons', `${size}x${size}.png`));
}
console.log('icons written to resources/');
