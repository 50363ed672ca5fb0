import sharp from 'sharp';
import { renderAerial } from '../../emulators/aerial-render';
import { jsonAnswer } from '../../emulators/respond';
import type { EmulatorRoute } from '../../emulators/route-types';
import { mapboxGrid } from './connector';

/**
 * Mapbox Static Images (`GET /mapbox/satellite-v9/static/LNG,LAT,ZOOM[,BEARING[,PITCH]]/WxH[@2x]
 * ?access_token=…`) answered from the World's synthetic aerial render, 'satellite' look, as JPEG
 * (what Mapbox sends for its satellite style). JSON errors as the real API: 401 "Not Authorized -
 * No Token" / "- Invalid Token" (a token starting with "bad"), 422 for sizes or zooms out of
 * range, 404 "Not Found" for another style or path.
 */

const PATH = /^\/mapbox\/([a-z0-9-]+)\/static\/(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?),(\d+(?:\.\d+)?)(?:,(-?\d+(?:\.\d+)?))?(?:,(\d+(?:\.\d+)?))?\/(\d+)x(\d+)(@2x)?$/;

export const mapboxStaticEmulator: EmulatorRoute = {
  source: 'mapbox-static-images',
  prefix: '/mapbox-static-images',
  async handle(request, world) {
    const match = PATH.exec(request.path);
    if (!match) return jsonAnswer({ message: 'Not Found' }, { status: 404 });
    const token = request.query.get('access_token');
    if (!token) return jsonAnswer({ message: 'Not Authorized - No Token' }, { status: 401 });
    if (/^bad/i.test(token)) return jsonAnswer({ message: 'Not Authorized - Invalid Token' }, { status: 401 });
    const [, style, lngText, latText, zoomText, , , widthText, heightText, retina] = match;
    if (style !== 'satellite-v9') return jsonAnswer({ message: 'Style not found' }, { status: 404 });
    const lng = Number(lngText);
    const lat = Number(latText);
    const zoom = Number(zoomText);
    const width = Number(widthText);
    const height = Number(heightText);
    if (Math.abs(lng) > 180 || Math.abs(lat) > 85.0511) return jsonAnswer({ message: 'Invalid coordinates.' }, { status: 422 });
    if (zoom > 22) return jsonAnswer({ message: 'Zoom level must be between 0-22.' }, { status: 422 });
    if (width < 1 || width > 1280 || height < 1 || height > 1280) return jsonAnswer({ message: 'Image dimensions must be between 1-1280.' }, { status: 422 });
    const grid = mapboxGrid({ lat, lng }, zoom, width, height, retina === '@2x');
    const png = await renderAerial(world, grid, 'satellite');
    return { status: 200, headers: { 'content-type': 'image/jpeg' }, body: await sharp(png).jpeg({ quality: 90 }).toBuffer() };
  },
};
