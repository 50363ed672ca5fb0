import sharp from 'sharp';
import { mercatorBoxToBBox } from '../../core/imagery/mercator';
import type { ImageGrid, MercatorBox } from '../../core/imagery/types';
import { renderAerial } from '../../emulators/aerial-render';
import { jsonAnswer } from '../../emulators/respond';
import type { EmulatorRequest, EmulatorResponse, EmulatorRoute } from '../../emulators/route-types';
import type { World } from '../../emulators/world';

/**
 * The USGS NAIP ImageServer (ArcGIS REST), answering from the World's synthetic aerial render:
 *
 *   GET /?f=json                      service info (maxImageWidth / maxImageHeight 4000, extent, fields)
 *   GET /exportImage?…&f=image        the image bytes (png / jpgpng → PNG, jpg → JPEG, tiff → TIFF)
 *   GET /exportImage?…&f=json         { href, width, height, extent, scale } with href served below
 *   GET /arcgisoutput/_ags_….png?…    the exported image an f=json answer points at
 *   GET /query?…&f=json               catalogue records (Name, Year, acquisition_date) over the World
 *
 * Like the real server, a bad request is a JSON error object with HTTP 200; outside the continental
 * US the export is all no-data (black), as NAIP's is.
 */

const PREFIX = '/naip';
const MAX_EXPORT = 4000;
/** Roughly the continental US: NAIP's coverage. */
const CONUS = { west: -125, south: 24, east: -66, north: 50 };

function arcgisError(code: number, message: string, details: string[] = []): EmulatorResponse {
  // Note: ArcGIS Server sends its error objects with HTTP 200.
  return jsonAnswer({ error: { code, message, details } }, { contentType: 'text/plain; charset=utf-8' });
}

const SPATIAL_REFERENCE = { wkid: 102100, latestWkid: 3857 };

function serviceInfo(): Record<string, unknown> {
  const extent = { xmin: -13_914_936, ymin: 2_814_774, xmax: -7_347_086, ymax: 6_446_276, spatialReference: SPATIAL_REFERENCE };
  return {
    currentVersion: 11.1,
    serviceDescription: 'NAIP imagery of the conterminous United States (emulated from a synthetic World).',
    name: 'USGSNAIPImagery',
    description: 'USDA Farm Service Agency National Agriculture Imagery Program',
    extent,
    initialExtent: extent,
    fullExtent: extent,
    pixelSizeX: 0.6,
    pixelSizeY: 0.6,
    bandCount: 4,
    pixelType: 'U8',
    minPixelSize: 0,
    maxPixelSize: 0,
    copyrightText: 'USDA Farm Service Agency',
    serviceDataType: 'esriImageServiceDataTypeRGB',
    capabilities: 'Image,Metadata,Catalog,Mensuration',
    defaultResamplingMethod: 'Bilinear',
    maxImageHeight: MAX_EXPORT,
    maxImageWidth: MAX_EXPORT,
    maxRecordCount: 1000,
    maxDownloadImageCount: 20,
    maxMosaicImageCount: 20,
    objectIdField: 'OBJECTID',
    fields: [
      { name: 'OBJECTID', type: 'esriFieldTypeOID', alias: 'OBJECTID' },
      { name: 'Name', type: 'esriFieldTypeString', alias: 'Name', length: 50 },
      { name: 'Year', type: 'esriFieldTypeInteger', alias: 'Year' },
      { name: 'State', type: 'esriFieldTypeString', alias: 'State', length: 2 },
      { name: 'acquisition_date', type: 'esriFieldTypeDate', alias: 'acquisition_date', length: 8 },
      { name: 'resolution_value', type: 'esriFieldTypeDouble', alias: 'resolution_value' },
      { name: 'Category', type: 'esriFieldTypeInteger', alias: 'Category' },
    ],
    spatialReference: SPATIAL_REFERENCE,
  };
}

/** The World's NAIP vintages: the latest flight and the one before it. */
function catalogue(world: World): Record<string, unknown>[] {
  const [west, south] = world.bbox;
  const quad = `${Math.abs(Math.floor(south))}${String(Math.abs(Math.floor(west))).padStart(3, '0')}`;
  return [
    { OBJECTID: 1, Name: `m_${quad}04_ne_14_060_20200811`, Year: 2020, State: 'TX', acquisition_date: Date.UTC(2020, 7, 11), resolution_value: 0.6, Category: 1 },
    { OBJECTID: 2, Name: `m_${quad}04_ne_14_060_20220714`, Year: 2022, State: 'TX', acquisition_date: Date.UTC(2022, 6, 14), resolution_value: 0.6, Category: 1 },
  ];
}

function numbers(text: string | null, count: number): number[] | null {
  if (text === null) return null;
  const values = text.split(',').map((part) => Number(part.trim()));
  return values.length === count && values.every(Number.isFinite) ? values : null;
}

interface ExportParams {
  grid: ImageGrid;
  format: string;
}

function exportParams(query: URLSearchParams): ExportParams | EmulatorResponse {
  const bbox = numbers(query.get('bbox'), 4);
  if (!bbox || bbox[2]! <= bbox[0]! || bbox[3]! <= bbox[1]!) return arcgisError(400, 'Unable to complete operation.', ['Invalid or missing input parameters: bbox']);
  for (const name of ['bboxSR', 'imageSR']) {
    const sr = query.get(name);
    // Note: the emulator speaks Web Mercator only (what Fish Mouth asks for); the real one reprojects.
    if (sr !== null && sr !== '3857' && sr !== '102100') return arcgisError(400, 'Unable to complete operation.', [`Emulator supports ${name}=3857 only, got ${sr}`]);
  }
  const size = numbers(query.get('size') ?? '400,400', 2);
  if (!size || !size.every((n) => Number.isInteger(n) && n >= 1)) return arcgisError(400, 'Unable to complete operation.', ['Invalid or missing input parameters: size']);
  if (size[0]! > MAX_EXPORT || size[1]! > MAX_EXPORT) {
    return arcgisError(400, 'Error exporting image', [`The requested image exceeds the size limit (${size[0]} x ${size[1]} > ${MAX_EXPORT} x ${MAX_EXPORT}).`]);
  }
  const format = (query.get('format') ?? 'jpgpng').toLowerCase();
  if (!['png', 'png24', 'png32', 'jpgpng', 'jpg', 'tiff'].includes(format)) return arcgisError(400, 'Unable to complete operation.', [`Invalid format: ${format}`]);
  return { grid: { box: bbox as MercatorBox, width: size[0]!, height: size[1]! }, format };
}

async function exportedImage(world: World, params: ExportParams): Promise<{ bytes: Buffer; type: string }> {
  const [west, south, east, north] = mercatorBoxToBBox(params.grid.box);
  const inside = east > CONUS.west && west < CONUS.east && north > CONUS.south && south < CONUS.north;
  const png = inside
    ? await renderAerial(world, params.grid, 'naip')
    : await sharp({ create: { width: params.grid.width, height: params.grid.height, channels: 3, background: { r: 0, g: 0, b: 0 } } }).png().toBuffer();
  if (params.format === 'jpg') return { bytes: await sharp(png).jpeg({ quality: 85 }).toBuffer(), type: 'image/jpeg' };
  if (params.format === 'tiff') return { bytes: await sharp(png).tiff({ compression: 'deflate' }).toBuffer(), type: 'image/tiff' };
  return { bytes: png, type: 'image/png' };
}

async function handle(request: EmulatorRequest, world: World): Promise<EmulatorResponse> {
  const { path, query } = request;
  const f = (query.get('f') ?? 'html').toLowerCase();
  if (path === '/' || path === '') {
    return f === 'json' || f === 'pjson' ? jsonAnswer(serviceInfo(), { contentType: 'text/plain; charset=utf-8' }) : arcgisError(400, 'Emulator serves f=json only.');
  }
  if (path === '/exportImage' || path.startsWith('/arcgisoutput/')) {
    const params = exportParams(query);
    if (!('grid' in params)) return params;
    if (path === '/exportImage' && (f === 'json' || f === 'pjson')) {
      const host = request.headers.host ?? '127.0.0.1';
      const [xmin, ymin, xmax, ymax] = params.grid.box;
      const served = new URLSearchParams({ bbox: query.get('bbox')!, size: `${params.grid.width},${params.grid.height}`, format: params.format });
      return jsonAnswer(
        { href: `http://${host}${PREFIX}/arcgisoutput/_ags_${Date.now().toString(36)}.${params.format === 'jpg' ? 'jpg' : params.format === 'tiff' ? 'tif' : 'png'}?${served}`, width: params.grid.width, height: params.grid.height, extent: { xmin, ymin, xmax, ymax, spatialReference: SPATIAL_REFERENCE }, scale: 0 },
        { contentType: 'text/plain; charset=utf-8' },
      );
    }
    if (path === '/exportImage' && f !== 'image') return arcgisError(400, 'Emulator serves f=image and f=json only.');
    const image = await exportedImage(world, params);
    return { status: 200, headers: { 'content-type': image.type }, body: image.bytes };
  }
  if (path === '/query') {
    const envelope = numbers(query.get('geometry'), 4);
    if (query.get('geometry') !== null && !envelope) return arcgisError(400, 'Unable to complete operation.', ['Invalid or missing input parameters: geometry']);
    const [ww, ws, we, wn] = world.bbox;
    let hits = catalogue(world);
    if (envelope) {
      const [west, south, east, north] = mercatorBoxToBBox(envelope as MercatorBox);
      if (!(east >= ww && west <= we && north >= ws && south <= wn)) hits = [];
    }
    const fields = (query.get('outFields') ?? '*').split(',').map((name) => name.trim());
    const pick = (record: Record<string, unknown>) => (fields.includes('*') ? record : Object.fromEntries(Object.entries(record).filter(([name]) => fields.includes(name))));
    return jsonAnswer({ objectIdFieldName: 'OBJECTID', geometryType: 'esriGeometryPolygon', spatialReference: SPATIAL_REFERENCE, fields: [], features: hits.map((record) => ({ attributes: pick(record) })) }, { contentType: 'text/plain; charset=utf-8' });
  }
  return arcgisError(400, 'Unable to complete operation.', [`Requested operation is not supported: ${path}`]);
}

export const naipEmulator: EmulatorRoute = { source: 'naip', prefix: PREFIX, handle };
