import { createHash } from 'node:crypto';
import { z } from 'zod';
import { statement, writeTransaction, nowIso, type Db } from './database';
import { StoreError, parseRow } from './errors';

/**
 * Versioned schema migrations, run once by the host at start (any process may call it: racing
 * processes serialise on BEGIN IMMEDIATE and each version is applied exactly once).
 *
 *   MIGRATIONS, SCHEMA_VERSION
 *   runMigrations(db, { migrations? }) → { from, to, applied }
 *   schemaVersion(db)                  → highest applied version (0 for a new file)
 *
 * Migrations are SQL text, never functions. Note: the checksum of a function's source would
 * change whenever the bundler rewrites it, and an installed app would then refuse its own database.
 * Never edit a shipped migration; add a new one.
 */

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial: meta, outbox, sync state, blobs, territories',
    sql: `
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        op_id TEXT NOT NULL UNIQUE,
        table_name TEXT NOT NULL,
        row_id TEXT NOT NULL,
        op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
        payload TEXT NOT NULL CHECK (json_valid(payload)),
        hlc TEXT NOT NULL,
        device_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        pushed_at TEXT
      ) STRICT;
      CREATE INDEX outbox_pending ON outbox (seq) WHERE pushed_at IS NULL;

      CREATE TABLE sync_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE blobs (
        sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
        bytes INTEGER NOT NULL CHECK (bytes >= 0),
        mime TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_used_at TEXT NOT NULL,
        refcount INTEGER NOT NULL DEFAULT 1 CHECK (refcount >= 0)
      ) STRICT;
      CREATE INDEX blobs_last_used ON blobs (last_used_at);

      CREATE TABLE territories (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        geometry TEXT NOT NULL CHECK (json_valid(geometry)),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        hlc TEXT NOT NULL,
        device_id TEXT NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'audit log',
    sql: `
      CREATE TABLE audit_log (
        id TEXT PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details)),
        hlc TEXT NOT NULL,
        device_id TEXT NOT NULL
      ) STRICT;
      CREATE INDEX audit_log_at ON audit_log (at);
    `,
  },
  {
    version: 3,
    name: 'cost control: ledger, reservations, budget settings, emergency openings, alerts, prices, rate limits',
    sql: `
      -- One row per attempt, free or paid, hit or miss. Append-only (triggers below); synced.
      -- Corrections are new rows that name the row they correct.
      CREATE TABLE cost_ledger (
        id TEXT PRIMARY KEY,
        at TEXT NOT NULL,
        day TEXT NOT NULL,
        service TEXT NOT NULL,
        source TEXT NOT NULL,
        operation TEXT NOT NULL,
        request_id TEXT,
        property_id TEXT,
        batch_id TEXT,
        territory_id TEXT,
        reservation_id TEXT,
        priority TEXT CHECK (priority IN ('high', 'medium', 'low')),
        pool TEXT CHECK (pool IN ('daily', 'emergency')),
        paid INTEGER NOT NULL CHECK (paid IN (0, 1)),
        cost_micros INTEGER NOT NULL,
        list_price_micros INTEGER NOT NULL DEFAULT 0 CHECK (list_price_micros >= 0),
        cache_hit INTEGER NOT NULL CHECK (cache_hit IN (0, 1)),
        latency_ms INTEGER CHECK (latency_ms >= 0),
        quality REAL CHECK (quality BETWEEN 0 AND 1),
        outcome TEXT NOT NULL CHECK (outcome IN ('hit', 'miss', 'error', 'refused', 'fallback', 'correction')),
        error_kind TEXT,
        message TEXT,
        corrects TEXT REFERENCES cost_ledger (id),
        hlc TEXT NOT NULL,
        device_id TEXT NOT NULL,
        CHECK (paid = 1 OR cost_micros = 0 OR outcome = 'correction')
      ) STRICT;
      CREATE INDEX cost_ledger_day ON cost_ledger (day, paid, pool, priority);
      CREATE INDEX cost_ledger_request ON cost_ledger (request_id) WHERE request_id IS NOT NULL;
      CREATE INDEX cost_ledger_at ON cost_ledger (at);
      CREATE TRIGGER cost_ledger_no_update BEFORE UPDATE ON cost_ledger
        BEGIN SELECT RAISE(ABORT, 'the cost ledger is append-only: add a correction row instead'); END;
      CREATE TRIGGER cost_ledger_no_delete BEFORE DELETE ON cost_ledger
        BEGIN SELECT RAISE(ABORT, 'the cost ledger is append-only: rows are never deleted'); END;

      -- Money set aside for a paid call before it is made; committed at the actual cost or
      -- released. An open reservation past expires_at counts as released (its holder died).
      CREATE TABLE budget_reservations (
        id TEXT PRIMARY KEY,
        day TEXT NOT NULL,
        service TEXT NOT NULL,
        source TEXT NOT NULL,
        operation TEXT NOT NULL,
        priority TEXT NOT NULL CHECK (priority IN ('high', 'medium', 'low')),
        pool TEXT NOT NULL CHECK (pool IN ('daily', 'emergency')),
        request_id TEXT,
        amount_micros INTEGER NOT NULL CHECK (amount_micros > 0),
        holder TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('open', 'committed', 'released', 'expired')),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        settled_at TEXT,
        committed_micros INTEGER CHECK (committed_micros >= 0),
        ledger_id TEXT REFERENCES cost_ledger (id)
      ) STRICT;
      CREATE INDEX budget_reservations_open ON budget_reservations (day, pool, priority) WHERE state = 'open';
      CREATE INDEX budget_reservations_request ON budget_reservations (request_id) WHERE request_id IS NOT NULL;

      -- Versioned settings: the row with the highest version is in force.
      CREATE TABLE budget_settings (
        version INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        settings TEXT NOT NULL CHECK (json_valid(settings))
      ) STRICT;

      -- The emergency budget of a day, opened only by an explicit manager action (also audited).
      CREATE TABLE budget_emergency (
        day TEXT PRIMARY KEY,
        opened_at TEXT NOT NULL,
        actor TEXT NOT NULL,
        reason TEXT NOT NULL,
        amount_micros INTEGER NOT NULL CHECK (amount_micros >= 0)
      ) STRICT;

      -- Each threshold of each pool fires once a day, whichever process crosses it first.
      CREATE TABLE budget_alerts (
        day TEXT NOT NULL,
        pool TEXT NOT NULL CHECK (pool IN ('daily', 'emergency')),
        threshold_percent INTEGER NOT NULL CHECK (threshold_percent IN (50, 80, 100)),
        at TEXT NOT NULL,
        spent_micros INTEGER NOT NULL,
        limit_micros INTEGER NOT NULL,
        PRIMARY KEY (day, pool, threshold_percent)
      ) STRICT;

      -- Versioned price table: the row with the highest version is in force.
      CREATE TABLE price_tables (
        version INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        prices TEXT NOT NULL CHECK (json_valid(prices))
      ) STRICT;

      -- Token buckets and daily counters per source, shared by every process.
      CREATE TABLE rate_limits (
        source TEXT PRIMARY KEY,
        tokens REAL NOT NULL,
        refilled_at_ms INTEGER NOT NULL,
        day TEXT NOT NULL,
        day_count INTEGER NOT NULL CHECK (day_count >= 0)
      ) STRICT;
    `,
  },
  {
    version: 4,
    name: 'secrets: API keys encrypted with the device master key',
    sql: `
      -- Never synced and never sent to the renderer in clear. AES-256-GCM under a master key that
      -- is itself protected by the OS (Electron safeStorage) or a key file (headless).
      CREATE TABLE secrets (
        name TEXT PRIMARY KEY,
        ciphertext BLOB NOT NULL,
        nonce BLOB NOT NULL,
        auth_tag BLOB NOT NULL,
        key_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        rotate_after_days INTEGER NOT NULL DEFAULT 30 CHECK (rotate_after_days > 0)
      ) STRICT;
    `,
  },
  {
    version: 5,
    name: 'properties and their sources, storm reports, building permits, census areas, scan runs and steps',
    sql: `
      -- One row per real-world property, merged from every source that described it (synced,
      -- editable). rid is a local row number for the spatial index only (never synced).
      -- Note: an explicit INTEGER PRIMARY KEY, because VACUUM may renumber an implicit rowid and
      -- the R*Tree would then point at the wrong rows.
      CREATE TABLE properties (
        rid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        address_key TEXT,
        house_number TEXT,
        street TEXT,
        unit TEXT,
        city TEXT,
        state TEXT CHECK (state IS NULL OR length(state) = 2),
        postcode TEXT,
        lat REAL CHECK (lat IS NULL OR lat BETWEEN -90 AND 90),
        lng REAL CHECK (lng IS NULL OR lng BETWEEN -180 AND 180),
        footprint TEXT CHECK (footprint IS NULL OR json_valid(footprint)),
        territory_id TEXT,
        building_type TEXT,
        levels REAL CHECK (levels IS NULL OR levels >= 0),
        year_built INTEGER,
        year_built_source TEXT,
        roof_material TEXT,
        roof_installed_year INTEGER,
        last_roof_permit_at TEXT,
        parcel_id TEXT,
        land_use TEXT,
        assessed_value_usd INTEGER CHECK (assessed_value_usd IS NULL OR assessed_value_usd >= 0),
        market_value_usd INTEGER CHECK (market_value_usd IS NULL OR market_value_usd >= 0),
        owner_occupied INTEGER CHECK (owner_occupied IS NULL OR owner_occupied IN (0, 1)),
        living_area_sqft INTEGER CHECK (living_area_sqft IS NULL OR living_area_sqft >= 0),
        census_geoid TEXT,
        completeness REAL NOT NULL DEFAULT 0 CHECK (completeness BETWEEN 0 AND 1),
        -- { field: source id } for every known field: which source the value came from.
        field_sources TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(field_sources)),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        hlc TEXT NOT NULL,
        device_id TEXT NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
        CHECK ((lat IS NULL) = (lng IS NULL))
      ) STRICT;
      CREATE UNIQUE INDEX properties_address_key ON properties (address_key) WHERE address_key IS NOT NULL;
      CREATE INDEX properties_location ON properties (lat, lng) WHERE lat IS NOT NULL;
      CREATE INDEX properties_territory ON properties (territory_id) WHERE territory_id IS NOT NULL;

      -- Bounding boxes of live properties (footprint, else the point), kept in step by triggers.
      CREATE VIRTUAL TABLE properties_rtree USING rtree (rid, min_lng, max_lng, min_lat, max_lat);
      CREATE TRIGGER properties_rtree_insert AFTER INSERT ON properties
      BEGIN
        INSERT INTO properties_rtree (rid, min_lng, max_lng, min_lat, max_lat)
          SELECT rid, min_x, max_x, min_y, max_y FROM (
            SELECT new.rid AS rid, min(x) AS min_x, max(x) AS max_x, min(y) AS min_y, max(y) AS max_y, count(*) AS n FROM (
              SELECT new.lng AS x, new.lat AS y WHERE new.lat IS NOT NULL
              UNION ALL
              SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(new.footprint, '$.coordinates[0]')
            )
          ) WHERE n > 0 AND new.deleted = 0;
      END;
      CREATE TRIGGER properties_rtree_update AFTER UPDATE OF lat, lng, footprint, deleted ON properties
      BEGIN
        DELETE FROM properties_rtree WHERE rid = old.rid;
        INSERT INTO properties_rtree (rid, min_lng, max_lng, min_lat, max_lat)
          SELECT rid, min_x, max_x, min_y, max_y FROM (
            SELECT new.rid AS rid, min(x) AS min_x, max(x) AS max_x, min(y) AS min_y, max(y) AS max_y, count(*) AS n FROM (
              SELECT new.lng AS x, new.lat AS y WHERE new.lat IS NOT NULL
              UNION ALL
              SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(new.footprint, '$.coordinates[0]')
            )
          ) WHERE n > 0 AND new.deleted = 0;
      END;
      CREATE TRIGGER properties_rtree_delete AFTER DELETE ON properties
      BEGIN
        DELETE FROM properties_rtree WHERE rid = old.rid;
      END;

      -- Every source record a property came from (local; the merged property is what syncs).
      -- The same record seen again with the same payload hash changes nothing.
      CREATE TABLE property_sources (
        source TEXT NOT NULL,
        source_record_id TEXT NOT NULL,
        property_id TEXT NOT NULL REFERENCES properties (id),
        first_seen_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        payload_hash TEXT NOT NULL,
        attribution TEXT,
        PRIMARY KEY (source, source_record_id)
      ) STRICT;
      CREATE INDEX property_sources_property ON property_sources (property_id);

      -- Public storm reports (SPC, NCEI): a local cache any device can fetch again, so not synced.
      CREATE TABLE storm_reports (
        rid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        source TEXT NOT NULL,
        source_record_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('hail', 'wind', 'tornado')),
        occurred_at TEXT NOT NULL,
        lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
        lng REAL NOT NULL CHECK (lng BETWEEN -180 AND 180),
        hail_size_inches REAL CHECK (hail_size_inches IS NULL OR hail_size_inches >= 0),
        wind_speed_knots REAL CHECK (wind_speed_knots IS NULL OR wind_speed_knots >= 0),
        tornado_scale TEXT,
        location TEXT,
        county TEXT,
        state TEXT,
        comments TEXT,
        payload_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (source, source_record_id)
      ) STRICT;
      CREATE INDEX storm_reports_occurred ON storm_reports (occurred_at);
      CREATE VIRTUAL TABLE storm_reports_rtree USING rtree (rid, min_lng, max_lng, min_lat, max_lat);
      CREATE TRIGGER storm_reports_rtree_insert AFTER INSERT ON storm_reports
      BEGIN
        INSERT INTO storm_reports_rtree (rid, min_lng, max_lng, min_lat, max_lat) VALUES (new.rid, new.lng, new.lng, new.lat, new.lat);
      END;
      CREATE TRIGGER storm_reports_rtree_update AFTER UPDATE OF lat, lng ON storm_reports
      BEGIN
        UPDATE storm_reports_rtree SET min_lng = new.lng, max_lng = new.lng, min_lat = new.lat, max_lat = new.lat WHERE rid = new.rid;
      END;
      CREATE TRIGGER storm_reports_rtree_delete AFTER DELETE ON storm_reports
      BEGIN
        DELETE FROM storm_reports_rtree WHERE rid = old.rid;
      END;

      -- Building permits (Socrata portals, imports): a local cache; a roofing permit's date
      -- reaches the synced property as last_roof_permit_at.
      CREATE TABLE building_permits (
        id TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        source_record_id TEXT NOT NULL,
        permit_number TEXT,
        issued_at TEXT,
        description TEXT,
        work_class TEXT,
        is_roofing INTEGER NOT NULL CHECK (is_roofing IN (0, 1)),
        valuation_usd INTEGER CHECK (valuation_usd IS NULL OR valuation_usd >= 0),
        house_number TEXT,
        street TEXT,
        unit TEXT,
        city TEXT,
        state TEXT,
        postcode TEXT,
        address_key TEXT,
        lat REAL CHECK (lat IS NULL OR lat BETWEEN -90 AND 90),
        lng REAL CHECK (lng IS NULL OR lng BETWEEN -180 AND 180),
        property_id TEXT REFERENCES properties (id),
        payload_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (source, source_record_id)
      ) STRICT;
      CREATE INDEX building_permits_address_key ON building_permits (address_key) WHERE address_key IS NOT NULL;
      CREATE INDEX building_permits_property ON building_permits (property_id) WHERE property_id IS NOT NULL;
      CREATE INDEX building_permits_unlinked ON building_permits (lat, lng) WHERE property_id IS NULL AND lat IS NOT NULL;

      -- ACS figures per census area (a local cache of public data).
      CREATE TABLE census_areas (
        geoid TEXT PRIMARY KEY,
        geography TEXT NOT NULL CHECK (geography IN ('tract', 'block-group', 'zcta', 'county')),
        vintage INTEGER NOT NULL,
        name TEXT,
        figures TEXT NOT NULL CHECK (json_valid(figures)),
        fetched_at TEXT NOT NULL,
        source TEXT NOT NULL
      ) STRICT;

      -- Territory scans: a run and its steps, so a killed scan resumes without redoing (or paying
      -- again for) a finished step. Local to the device that runs them.
      CREATE TABLE scan_runs (
        id TEXT PRIMARY KEY,
        territory_id TEXT,
        bbox TEXT NOT NULL CHECK (json_valid(bbox)),
        state TEXT NOT NULL CHECK (state IN ('planned', 'running', 'paused', 'cancelled', 'failed', 'completed')),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        finished_at TEXT,
        options TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options)),
        summary TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(summary)),
        error TEXT
      ) STRICT;
      CREATE INDEX scan_runs_state ON scan_runs (state, created_at);

      CREATE TABLE scan_steps (
        run_id TEXT NOT NULL REFERENCES scan_runs (id) ON DELETE CASCADE,
        stage TEXT NOT NULL,
        key TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed', 'skipped')),
        attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        result TEXT CHECK (result IS NULL OR json_valid(result)),
        error TEXT,
        ledger_request_id TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (run_id, stage, key)
      ) STRICT;
      CREATE INDEX scan_steps_state ON scan_steps (run_id, stage, state);
    `,
  },
  {
    version: 6,
    name: 'imagery: geographic tile cache, batches and their members, roof images per property',
    sql: `
      -- Aerial images held in the blob store, each a Web Mercator (EPSG:3857) grid: bbox in
      -- metres (min_x … max_y) maps linearly onto width × height pixels. Local cache, not synced:
      -- any device can fetch public imagery again. Only sources whose licence allows storing
      -- ever get a row (never Google/Mapbox static imagery). expires_at NULL: never expires.
      CREATE TABLE imagery_tiles (
        rid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        source TEXT NOT NULL,
        blob_sha256 TEXT NOT NULL,
        mime TEXT NOT NULL,
        min_x REAL NOT NULL,
        min_y REAL NOT NULL,
        max_x REAL NOT NULL,
        max_y REAL NOT NULL,
        width INTEGER NOT NULL CHECK (width > 0),
        height INTEGER NOT NULL CHECK (height > 0),
        ground_resolution_m REAL NOT NULL CHECK (ground_resolution_m > 0),
        captured_at TEXT,
        fetched_at TEXT NOT NULL,
        expires_at TEXT,
        quality REAL NOT NULL CHECK (quality BETWEEN 0 AND 1),
        bytes INTEGER NOT NULL CHECK (bytes >= 0),
        last_used_at TEXT NOT NULL,
        batch_id TEXT,
        request_cost_micros INTEGER NOT NULL DEFAULT 0 CHECK (request_cost_micros >= 0),
        attribution TEXT,
        CHECK (min_x < max_x AND min_y < max_y)
      ) STRICT;
      CREATE INDEX imagery_tiles_lru ON imagery_tiles (last_used_at);
      CREATE INDEX imagery_tiles_blob ON imagery_tiles (blob_sha256);
      -- WGS84 bounds of each tile, for coverage and proximity queries.
      CREATE VIRTUAL TABLE imagery_tiles_rtree USING rtree (rid, min_lng, max_lng, min_lat, max_lat);

      -- One geographic batch: one imagery request (or a few, split to the provider's limits)
      -- serving every member property.
      CREATE TABLE imagery_batches (
        id TEXT PRIMARY KEY,
        run_id TEXT,
        source TEXT NOT NULL,
        created_at TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('planned', 'fetched', 'failed')),
        centre_lat REAL NOT NULL CHECK (centre_lat BETWEEN -90 AND 90),
        centre_lng REAL NOT NULL CHECK (centre_lng BETWEEN -180 AND 180),
        min_lng REAL NOT NULL,
        min_lat REAL NOT NULL,
        max_lng REAL NOT NULL,
        max_lat REAL NOT NULL,
        member_count INTEGER NOT NULL CHECK (member_count >= 1),
        request_count INTEGER NOT NULL DEFAULT 0 CHECK (request_count >= 0),
        cost_micros INTEGER NOT NULL DEFAULT 0 CHECK (cost_micros >= 0),
        cost_per_property_micros INTEGER NOT NULL DEFAULT 0 CHECK (cost_per_property_micros >= 0),
        error TEXT
      ) STRICT;
      CREATE INDEX imagery_batches_run ON imagery_batches (run_id, created_at);
      CREATE TABLE imagery_batch_members (
        batch_id TEXT NOT NULL REFERENCES imagery_batches (id) ON DELETE CASCADE,
        property_id TEXT NOT NULL,
        PRIMARY KEY (batch_id, property_id)
      ) STRICT;
      CREATE INDEX imagery_batch_members_property ON imagery_batch_members (property_id);

      -- The current roof image of each property: where it came from, what it cost, how good it
      -- is and how it was made. image_sha256/enhanced_sha256 are NULL when the licence forbids
      -- storing the picture (paid imagery): the facts stay, the pixels do not.
      CREATE TABLE roof_images (
        property_id TEXT PRIMARY KEY,
        step_kind TEXT NOT NULL CHECK (step_kind IN ('cache', 'free', 'batch', 'paid', 'fallback')),
        sources TEXT NOT NULL CHECK (json_valid(sources)),
        tile_id TEXT,
        batch_id TEXT,
        image_sha256 TEXT,
        enhanced_sha256 TEXT,
        width INTEGER NOT NULL CHECK (width > 0),
        height INTEGER NOT NULL CHECK (height > 0),
        ground_resolution_m REAL NOT NULL CHECK (ground_resolution_m > 0),
        enhanced_scale INTEGER CHECK (enhanced_scale IS NULL OR enhanced_scale IN (2, 4)),
        enhanced_model TEXT,
        captured_at TEXT,
        cost_micros INTEGER NOT NULL DEFAULT 0 CHECK (cost_micros >= 0),
        quality REAL NOT NULL CHECK (quality BETWEEN 0 AND 1),
        quality_detail TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(quality_detail)),
        low_confidence INTEGER NOT NULL CHECK (low_confidence IN (0, 1)),
        manual_review INTEGER NOT NULL CHECK (manual_review IN (0, 1)),
        -- Footprint position inside the crop, pixels: [x0, y0, x1, y1] of its bounding box.
        footprint_px TEXT CHECK (footprint_px IS NULL OR json_valid(footprint_px)),
        log TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(log)),
        storable INTEGER NOT NULL CHECK (storable IN (0, 1)),
        run_id TEXT,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX roof_images_run ON roof_images (run_id);
    `,
  },
  {
    version: 7,
    name: 'leads: roof image features, roof assessments, leads, visits, model registry',
    sql: `
      -- Features of the roof inside its footprint, computed when the picture is in hand (a paid
      -- picture is not kept, so its features are all that remain of it); core/leads/roof-features.ts.
      ALTER TABLE roof_images ADD COLUMN roof_features TEXT CHECK (roof_features IS NULL OR json_valid(roof_features));

      -- Every roof condition assessment, with the model and the exact inputs that produced it (local).
      CREATE TABLE roof_assessments (
        id TEXT PRIMARY KEY,
        property_id TEXT NOT NULL,
        run_id TEXT,
        assessed_at TEXT NOT NULL,
        condition_score INTEGER NOT NULL CHECK (condition_score BETWEEN 0 AND 100),
        confidence REAL NOT NULL CHECK (confidence BETWEEN 0 AND 1),
        reasons TEXT NOT NULL CHECK (json_valid(reasons)),
        inputs TEXT NOT NULL CHECK (json_valid(inputs)),
        model_id TEXT NOT NULL,
        model_sha256 TEXT NOT NULL
      ) STRICT;
      CREATE INDEX roof_assessments_property ON roof_assessments (property_id, assessed_at);

      -- One lead per property (synced, editable: status and assignment merge last-writer-wins).
      CREATE TABLE leads (
        id TEXT PRIMARY KEY,
        property_id TEXT NOT NULL UNIQUE,
        territory_id TEXT,
        run_id TEXT,
        lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
        lng REAL NOT NULL CHECK (lng BETWEEN -180 AND 180),
        address TEXT NOT NULL,
        score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
        probability REAL NOT NULL CHECK (probability BETWEEN 0 AND 1),
        contributions TEXT NOT NULL CHECK (json_valid(contributions)),
        features TEXT NOT NULL CHECK (json_valid(features)),
        reasons TEXT NOT NULL CHECK (json_valid(reasons)),
        model_id TEXT NOT NULL,
        condition_score INTEGER CHECK (condition_score IS NULL OR condition_score BETWEEN 0 AND 100),
        condition_confidence REAL CHECK (condition_confidence IS NULL OR condition_confidence BETWEEN 0 AND 1),
        roof_age_years REAL,
        hail_max_inches REAL,
        hail_last_at TEXT,
        status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'contacted', 'appointment', 'sold', 'not_interested', 'not_home')),
        assigned_to TEXT,
        free_sources_only INTEGER NOT NULL DEFAULT 1 CHECK (free_sources_only IN (0, 1)),
        scored_at TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        hlc TEXT NOT NULL,
        device_id TEXT NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
      ) STRICT;
      CREATE INDEX leads_rank ON leads (territory_id, score DESC) WHERE deleted = 0;
      CREATE INDEX leads_assigned ON leads (assigned_to, score DESC) WHERE deleted = 0;

      -- Door-knock outcomes (synced, append-only: a correction is a new visit). The lead model's
      -- features at the time are kept, so outcomes can retrain the model later.
      CREATE TABLE visits (
        id TEXT PRIMARY KEY,
        lead_id TEXT NOT NULL,
        property_id TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('contacted', 'appointment', 'sold', 'not_interested', 'not_home')),
        note TEXT,
        lat REAL CHECK (lat IS NULL OR lat BETWEEN -90 AND 90),
        lng REAL CHECK (lng IS NULL OR lng BETWEEN -180 AND 180),
        visited_at TEXT NOT NULL,
        rep TEXT,
        features TEXT NOT NULL CHECK (json_valid(features)),
        model_id TEXT,
        hlc TEXT NOT NULL,
        device_id TEXT NOT NULL,
        CHECK ((lat IS NULL) = (lng IS NULL))
      ) STRICT;
      CREATE INDEX visits_lead ON visits (lead_id, visited_at);
      CREATE TRIGGER visits_no_update BEFORE UPDATE ON visits
        BEGIN SELECT RAISE(ABORT, 'visits are append-only: log a new visit instead'); END;
      CREATE TRIGGER visits_no_delete BEFORE DELETE ON visits
        BEGIN SELECT RAISE(ABORT, 'visits are append-only: rows are never deleted'); END;

      -- The versions of each local model (a retrained lead model is a new row; the old one stays
      -- for rollback). Exactly one active version per kind.
      CREATE TABLE ml_models (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('lead-score', 'roof-condition')),
        version INTEGER NOT NULL CHECK (version >= 1),
        file TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        created_at TEXT NOT NULL,
        active INTEGER NOT NULL CHECK (active IN (0, 1)),
        trained_on INTEGER NOT NULL DEFAULT 0 CHECK (trained_on >= 0),
        metrics TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metrics)),
        parent_id TEXT,
        UNIQUE (kind, version)
      ) STRICT;
      CREATE UNIQUE INDEX ml_models_active ON ml_models (kind) WHERE active = 1;
    `,
  },
];

export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export interface MigrationReport {
  /** Schema version before this call. */
  from: number;
  /** Schema version after this call. */
  to: number;
  /** Versions this process applied (another racing process may have applied the rest). */
  applied: number[];
}

const appliedRowSchema = z.object({
  version: z.number().int().positive(),
  name: z.string(),
  applied_at: z.string(),
  checksum: z.string(),
});
type AppliedRow = z.infer<typeof appliedRowSchema>;

/** sha256 of the SQL with whitespace collapsed, so re-indenting a migration is not a change. */
export function migrationChecksum(migration: Migration): string {
  return createHash('sha256').update(migration.sql.replace(/\s+/g, ' ').trim()).digest('hex');
}

function hasMigrationTable(db: Db): boolean {
  return statement(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").pluck().get() === 1;
}

export function schemaVersion(db: Db): number {
  if (!hasMigrationTable(db)) return 0;
  const version = db.prepare('SELECT max(version) FROM schema_migrations').pluck().get();
  return typeof version === 'number' ? version : 0;
}

export function runMigrations(db: Db, options: { migrations?: readonly Migration[] } = {}): MigrationReport {
  const migrations = options.migrations ?? MIGRATIONS;
  checkMigrationList(migrations);
  // Note: only a new file takes the write lock here, so an up-to-date database starts lock-free.
  if (!hasMigrationTable(db)) writeTransaction(db, () => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TEXT NOT NULL,
      checksum TEXT NOT NULL
    ) STRICT`);
  });
  const before = readApplied(db);
  checkAppliedAgainst(before, migrations);
  const from = before.reduce((max, row) => Math.max(max, row.version), 0);
  const applied: number[] = [];

  for (const migration of migrations) {
    if (before.some((row) => row.version === migration.version)) continue;
    writeTransaction(db, () => {
      // Re-read under the write lock: a racing process may have applied it meanwhile.
      const current = readApplied(db);
      checkAppliedAgainst(current, migrations);
      if (current.some((row) => row.version === migration.version)) return;
      try {
        db.exec(migration.sql);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new StoreError(
          'migration-failed',
          `Updating the database to version ${migration.version} (${migration.name}) failed: ${reason}. Nothing was changed; report this with the log file.`,
          { cause: error },
        );
      }
      statement(db, 'INSERT INTO schema_migrations (version, name, applied_at, checksum) VALUES (?, ?, ?, ?)').run(
        migration.version,
        migration.name,
        nowIso(),
        migrationChecksum(migration),
      );
      db.pragma(`user_version = ${migration.version}`);
      applied.push(migration.version);
    });
  }
  const latest = migrations.length ? migrations[migrations.length - 1]!.version : 0;
  return { from, to: Math.max(from, latest), applied };
}

function readApplied(db: Db): AppliedRow[] {
  return statement(db, 'SELECT version, name, applied_at, checksum FROM schema_migrations ORDER BY version')
    .all()
    .map((row) => parseRow(appliedRowSchema, row, 'schema migration'));
}

function checkAppliedAgainst(applied: AppliedRow[], migrations: readonly Migration[]): void {
  const known = migrations.length ? migrations[migrations.length - 1]!.version : 0;
  const newest = applied.reduce((max, row) => Math.max(max, row.version), 0);
  if (newest > known) {
    throw new StoreError(
      'database-newer',
      `This database was last used by a newer version of Fish Mouth (schema version ${newest}; this version knows up to ${known}). Update Fish Mouth, or open a different data folder.`,
    );
  }
  for (const row of applied) {
    const migration = migrations.find((m) => m.version === row.version);
    if (!migration) {
      throw new StoreError('migration-changed', `This database has schema version ${row.version} (${row.name}), which this version of Fish Mouth does not know. Open a different data folder.`);
    }
    if (migrationChecksum(migration) !== row.checksum) {
      throw new StoreError(
        'migration-changed',
        `Database update ${row.version} (${row.name}) was applied from different SQL than this version of Fish Mouth ships, so the tables may not match. Restore a backup or use a fresh data folder.`,
      );
    }
  }
}

function checkMigrationList(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new StoreError('migration-failed', `Migration list is out of order: position ${index + 1} holds version ${migration.version}.`);
    }
  });
}
