import { z } from 'zod';
import { isValidTimeZone } from '../../core/cost/budget-day';

/**
 * Building-permit datasets on Socrata open-data portals, configured as data like the county
 * parcel layers: where the dataset lives, which columns hold what, which SoQL filter finds the
 * roofing permits, and the portal's time zone. The schema is the contract a user's own portal
 * (added in Settings) must meet.
 *
 * Time: SODA returns "floating" timestamps ("2024-03-05T14:30:00.000", no zone). They are the
 * publishing city's local wall-clock time, so each portal names its IANA zone and the parser
 * converts to UTC with the tz database (DST included). A date-only permit (midnight) therefore
 * lands on the right local day.
 *
 * Privacy: applicant, contractor and owner columns are never mapped, and the connector's
 * $select names only mapped columns, so they are never fetched.
 */

/** Socrata field names: lower-case, digits, underscores; system fields start with ':'. */
const column = z.string().regex(/^:?[a-z_@][a-z0-9_]{0,63}$/, 'a column is a Socrata field name like issue_date (lower case, underscores)');
const columnOrParts = z.union([column, z.array(column).min(1).max(8)]);

const pattern = z
  .string()
  .min(1)
  .max(500)
  .refine((source) => {
    try {
      new RegExp(source, 'i');
      return true;
    } catch {
      return false;
    }
  }, 'not a valid regular expression');

/** Words that make a description roofing work … */
export const DEFAULT_ROOFING_PATTERN = String.raw`\b(re-?roof(s|ed|ing)?|roof(s|ing)?|shingles?)\b`;
/** … unless it is about something on the roof … */
export const DEFAULT_NOT_ROOFING_PATTERN = String.raw`\b(solar|photovoltaic|pv|roof[- ]?top (unit|units|equipment)|rtu|hvac|antennas?|cell|signs?|skylights? only)\b`;
/** … while these always mean a roof covering job. */
export const DEFAULT_CERTAIN_ROOFING_PATTERN = String.raw`\b(re-?roof(s|ed|ing)?|tear[- ]?off|shingles?)\b`;

export const portalFieldsSchema = z
  .object({
    permitNumber: column,
    issuedAt: column,
    /** One column, or several joined (e.g. permit type + work description). */
    description: columnOrParts,
    workClass: column.optional(),
    valuation: column.optional(),
    /** A whole street line ("123 MAIN ST"), when the parts are not published. */
    address: column.optional(),
    houseNumber: column.optional(),
    street: columnOrParts.optional(),
    city: column.optional(),
    state: column.optional(),
    postcode: column.optional(),
    /** A Location or Point column: the box filter uses within_box() on it. */
    location: column.optional(),
    /** Number columns, used when there is no Location/Point column. */
    latitude: column.optional(),
    longitude: column.optional(),
  })
  .strict()
  .refine((fields) => fields.address !== undefined || (fields.houseNumber !== undefined && fields.street !== undefined), {
    message: 'map either address or both houseNumber and street',
  })
  .refine((fields) => (fields.latitude === undefined) === (fields.longitude === undefined), { message: 'map latitude and longitude together' });
export type PortalFields = z.infer<typeof portalFieldsSchema>;

export const roofingRuleSchema = z
  .object({
    /** SoQL sent as $where to find roofing permits, e.g. upper(description) like '%ROOF%' OR permit_type='Re-Roof'. */
    where: z.string().trim().min(1).max(1000),
    /** Work-class values (case-insensitive) that mean roofing whatever the description says. */
    workClassValues: z.array(z.string().trim().min(1).max(100)).max(20).default([]),
    descriptionPattern: pattern.default(DEFAULT_ROOFING_PATTERN),
    notRoofingPattern: pattern.default(DEFAULT_NOT_ROOFING_PATTERN),
  })
  .strict();

export const portalConfigSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'use lower-case letters, digits and dashes, like "chicago-il"'),
    label: z.string().trim().min(1).max(120),
    /**
     * The portal's address, e.g. https://data.cityofchicago.org. null: the Building permits
     * source's own address (Settings → Data sources), which is how the loopback emulator serves
     * the demo portal.
     */
    baseUrl: z
      .string()
      .trim()
      .max(300)
      .refine((text) => {
        try {
          const url = new URL(text);
          return (url.protocol === 'https:' || url.protocol === 'http:') && url.search === '' && url.hash === '';
        } catch {
          return false;
        }
      }, 'the portal address is an http(s) address like https://data.cityofchicago.org')
      .nullable(),
    /** The dataset's 4x4 id, as in /resource/ydr8-5enu.json. */
    datasetId: z.string().regex(/^[a-z0-9]{4}-[a-z0-9]{4}$/, 'a Socrata dataset id looks like ydr8-5enu'),
    /** The zone the portal's floating timestamps are written in. */
    timeZone: z.string().refine(isValidTimeZone, 'an IANA time zone like America/Chicago'),
    state: z.string().regex(/^[A-Z]{2}$/, 'a two-letter state code like IL'),
    fields: portalFieldsSchema,
    roofing: roofingRuleSchema,
    note: z.string().trim().max(1000).optional(),
  })
  .strict();
export type PortalConfig = z.infer<typeof portalConfigSchema>;
export type PortalConfigInput = z.input<typeof portalConfigSchema>;

export const portalListSchema = z
  .array(portalConfigSchema)
  .max(500)
  .superRefine((portals, ctx) => {
    const seen = new Set<string>();
    portals.forEach((portal, index) => {
      if (seen.has(portal.id)) ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `portal ${portal.id} is listed twice` });
      seen.add(portal.id);
    });
  });

/**
 * The seed list. Column names come from the portals' published schemas as recorded in
 * ../shared/fixtures/socrata-permits/SOURCES.md and the Socrata catalogue sample there; no real
 * permit rows were captured, so they are UNVERIFIED against a live answer (see each note).
 */
const seed: PortalConfigInput[] = [
  {
    id: 'chicago-il',
    label: 'Chicago, IL building permits',
    baseUrl: 'https://data.cityofchicago.org',
    datasetId: 'ydr8-5enu',
    timeZone: 'America/Chicago',
    state: 'IL',
    fields: {
      permitNumber: 'permit_',
      issuedAt: 'issue_date',
      description: 'work_description',
      workClass: 'permit_type',
      valuation: 'reported_cost',
      houseNumber: 'street_number',
      street: ['street_direction', 'street_name'],
      latitude: 'latitude',
      longitude: 'longitude',
    },
    roofing: { where: "upper(work_description) like '%ROOF%'" },
    note: 'Columns from the portal schema (not a captured answer): verify before relying on them.',
  },
  {
    id: 'san-francisco-ca',
    label: 'San Francisco, CA building permits',
    baseUrl: 'https://data.sfgov.org',
    datasetId: 'i98e-djp9',
    timeZone: 'America/Los_Angeles',
    state: 'CA',
    fields: {
      permitNumber: 'permit_number',
      issuedAt: 'issued_date',
      description: 'description',
      workClass: 'permit_type_definition',
      valuation: 'estimated_cost',
      houseNumber: 'street_number',
      street: ['street_name', 'street_suffix'],
      location: 'location',
    },
    roofing: { where: "upper(description) like '%ROOF%'" },
    note: 'Columns from the portal schema (not a captured answer): verify before relying on them.',
  },
  {
    id: 'boston-ma',
    label: 'Boston, MA approved building permits',
    baseUrl: 'https://data.cityofboston.gov',
    datasetId: 'msk6-43c6',
    timeZone: 'America/New_York',
    state: 'MA',
    fields: {
      permitNumber: 'permitnumber',
      issuedAt: 'issued_date',
      description: ['description', 'comments'],
      workClass: 'worktype',
      valuation: 'declared_valuation',
      address: 'address',
      city: 'city',
      state: 'state',
      postcode: 'zip',
      location: 'location',
    },
    roofing: { where: "upper(description) like '%ROOF%' OR upper(comments) like '%ROOF%'" },
    note: 'From the Socrata catalogue sample (2017). Boston has since moved its open data to data.boston.gov (CKAN); kept as the documented Socrata example.',
  },
  {
    id: 'demo',
    label: 'Demo City permits (emulator)',
    baseUrl: null,
    datasetId: 'demo-perm',
    timeZone: 'America/Chicago',
    state: 'TX',
    fields: {
      permitNumber: 'permit_number',
      issuedAt: 'issue_date',
      description: 'description',
      workClass: 'work_class',
      valuation: 'valuation',
      houseNumber: 'street_number',
      street: 'street_name',
      city: 'city',
      state: 'state',
      postcode: 'zip_code',
      location: 'location',
    },
    roofing: { where: "upper(description) like '%ROOF%' OR work_class='Re-Roof'", workClassValues: ['Re-Roof'] },
    note: 'Served by the loopback emulator from the demo World at the source address.',
  },
];

export const SEED_PORTALS: readonly PortalConfig[] = Object.freeze(portalListSchema.parse(seed));

export function findPortal(id: string, portals: readonly PortalConfig[] = SEED_PORTALS): PortalConfig | null {
  return portals.find((portal) => portal.id === id) ?? null;
}

/** Every column a portal's mapping reads, in a stable order (the query's $select). */
export function mappedColumns(fields: PortalFields): string[] {
  const names: string[] = [];
  const add = (name: string | string[] | undefined): void => {
    if (name === undefined) return;
    for (const one of Array.isArray(name) ? name : [name]) if (!names.includes(one)) names.push(one);
  };
  add(fields.permitNumber);
  add(fields.issuedAt);
  add(fields.description);
  add(fields.workClass);
  add(fields.valuation);
  add(fields.address);
  add(fields.houseNumber);
  add(fields.street);
  add(fields.city);
  add(fields.state);
  add(fields.postcode);
  add(fields.location);
  add(fields.latitude);
  add(fields.longitude);
  return names;
}
