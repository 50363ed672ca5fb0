import sharp from 'sharp';
import { renderAerial } from '../../emulators/aerial-render';
import { notFound, textAnswer } from '../../emulators/respond';
import type { EmulatorRoute } from '../../emulators/route-types';
import { googleGrid } from './connector';

/**
 * Google Static Maps (`GET /?center=…&zoom=…&size=WxH&scale=…&maptype=satellite&key=…`) answered
 * from the World's synthetic aerial render in the 'satellite' look. Errors as the real service
 * sends them: 403 plain text "The Google Maps Platform server rejected your request…" for a
 * missing key or one starting with "bad", 400 text for a bad size, centre or zoom; above zoom 20
 * the flat grey "Sorry, we have no imagery here" picture (as over much of the real map).
 */

const REJECTED = 'The Google Maps Platform server rejected your request.';

export const googleStaticMapsEmulator: EmulatorRoute = {
  source: 'google-static-maps',
  prefix: '/google-static-maps',
  async handle(request, world) {
    if (request.path !== '/') return notFound(request.path);
    const q = request.query;
    const key = q.get('key');
    if (!key) return textAnswer(`${REJECTED} You must use an API key to authenticate each request to Google Maps Platform APIs. For additional information, please refer to http://g.co/dev/maps-no-account`, { status: 403 });
    if (/^bad/i.test(key)) return textAnswer(`${REJECTED} The provided API key is invalid.`, { status: 403 });
    const size = /^(\d{1,4})x(\d{1,4})$/.exec(q.get('size') ?? '');
    const width = Number(size?.[1]);
    const height = Number(size?.[2]);
    if (!size || width < 1 || height < 1 || width > 640 || height > 640) return textAnswer(`${REJECTED} Invalid request. Invalid 'size' parameter.`, { status: 400 });
    const centre = /^(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/.exec(q.get('center') ?? '');
    const lat = Number(centre?.[1]);
    const lng = Number(centre?.[2]);
    if (!centre || Math.abs(lat) > 85.05 || Math.abs(lng) > 180) return textAnswer(`${REJECTED} Invalid request. Invalid 'center' parameter.`, { status: 400 });
    const zoom = Number(q.get('zoom'));
    if (!Number.isInteger(zoom) || zoom < 0 || zoom > 21) return textAnswer(`${REJECTED} Invalid request. Invalid 'zoom' parameter.`, { status: 400 });
    const scale = q.get('scale') === '2' ? 2 : 1;
    const grid = googleGrid({ lat, lng }, zoom, width, height, scale);
    let png: Buffer;
    if (zoom > 20) {
      // "Sorry, we have no imagery here.": light grey with a faint line of text.
      const label = `<svg xmlns="http://www.w3.org/2000/svg" width="${grid.width}" height="${grid.height}"><rect width="100%" height="100%" fill="#e5e3df"/><rect x="${grid.width / 2 - 60}" y="${grid.height / 2 - 4}" width="120" height="8" fill="#d8d6d2"/></svg>`;
      png = await sharp(Buffer.from(label)).png().toBuffer();
    } else {
      png = await renderAerial(world, grid, 'satellite');
    }
    const jpeg = (q.get('format') ?? 'png').startsWith('jpg');
    return jpeg
      ? { status: 200, headers: { 'content-type': 'image/jpeg' }, body: await sharp(png).jpeg({ quality: 90 }).toBuffer() }
      : { status: 200, headers: { 'content-type': 'image/png' }, body: png };
  },
};
