/**
 * Versioned schema migrations, applied in order at start inside one transaction each, under an
 * advisory lock so that several server instances starting together apply them once.
 *
 * Layout: `resource` holds the current version of every resource (also deleted ones, as tombstones)
 * with an internal `rid`; `resource_version` keeps every version (history). Search index rows live
 * in one table per search parameter type, keyed by `rid`, and are rewritten in the same transaction
 * as the resource.
 */
import { contentTsvector, narrativeTsvector } from './fulltext';
import type { SqlClient } from './sql';

export const migrations: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'resources, history and search indexes',
    sql: `
CREATE TABLE resource (
  rid          bigserial PRIMARY KEY,
  type         text NOT NULL,
  id           text NOT NULL,
  version      integer NOT NULL,
  last_updated timestamptz NOT NULL,
  deleted      boolean NOT NULL DEFAULT false,
  content      text,
  UNIQUE (type, id)
);
CREATE INDEX resource_type_rid ON resource (type, rid);
CREATE INDEX resource_type_updated ON resource (type, last_updated, rid);
CREATE INDEX resource_updated ON resource (last_updated, rid);

CREATE TABLE resource_version (
  rid          bigint NOT NULL REFERENCES resource (rid),
  type         text NOT NULL,
  id           text NOT NULL,
  version      integer NOT NULL,
  last_updated timestamptz NOT NULL,
  method       text NOT NULL,
  deleted      boolean NOT NULL DEFAULT false,
  content      text,
  PRIMARY KEY (rid, version)
);
CREATE INDEX resource_version_type_updated ON resource_version (type, last_updated);
CREATE INDEX resource_version_updated ON resource_version (last_updated);

CREATE TABLE sp_token (
  rid bigint NOT NULL, type text NOT NULL, param text NOT NULL,
  system text, code text, text_value text
);
CREATE INDEX sp_token_code ON sp_token (type, param, code, system);
CREATE INDEX sp_token_rid ON sp_token (rid);

CREATE TABLE sp_string (
  rid bigint NOT NULL, type text NOT NULL, param text NOT NULL,
  value text NOT NULL,       -- normalised: lower case, accents removed
  exact_value text NOT NULL  -- as written
);
CREATE INDEX sp_string_value ON sp_string (type, param, value text_pattern_ops);
CREATE INDEX sp_string_rid ON sp_string (rid);

CREATE TABLE sp_date (
  rid bigint NOT NULL, type text NOT NULL, param text NOT NULL,
  lo timestamptz NOT NULL, hi timestamptz NOT NULL   -- the instant range the value covers, inclusive
);
CREATE INDEX sp_date_lo ON sp_date (type, param, lo, hi);
CREATE INDEX sp_date_rid ON sp_date (rid);

CREATE TABLE sp_number (
  rid bigint NOT NULL, type text NOT NULL, param text NOT NULL,
  value numeric NOT NULL
);
CREATE INDEX sp_number_value ON sp_number (type, param, value);
CREATE INDEX sp_number_rid ON sp_number (rid);

CREATE TABLE sp_quantity (
  rid bigint NOT NULL, type text NOT NULL, param text NOT NULL,
  value numeric NOT NULL, system text, code text
);
CREATE INDEX sp_quantity_value ON sp_quantity (type, param, value);
CREATE INDEX sp_quantity_rid ON sp_quantity (rid);

CREATE TABLE sp_reference (
  rid bigint NOT NULL, type text NOT NULL, param text NOT NULL,
  target_type text, target_id text, url text
);
CREATE INDEX sp_reference_target ON sp_reference (type, param, target_id, target_type);
CREATE INDEX sp_reference_target_any ON sp_reference (target_type, target_id);
CREATE INDEX sp_reference_rid ON sp_reference (rid);

-- Every literal reference anywhere in a resource (extensions included), for gathering a member's or a
-- practitioner's records in one indexed query.
CREATE TABLE resource_ref (
  rid bigint NOT NULL, type text NOT NULL, target_type text NOT NULL, target_id text NOT NULL
);
CREATE INDEX resource_ref_target ON resource_ref (target_type, target_id, type);
CREATE INDEX resource_ref_rid ON resource_ref (rid);

CREATE TABLE sp_uri (
  rid bigint NOT NULL, type text NOT NULL, param text NOT NULL,
  value text NOT NULL
);
CREATE INDEX sp_uri_value ON sp_uri (type, param, value);
CREATE INDEX sp_uri_rid ON sp_uri (rid);
`,
  },
  {
    version: 2,
    name: 'bulk export jobs',
    // One row per $export kick-off. Workers on any instance claim queued rows (FOR UPDATE SKIP
    // LOCKED) and keep heartbeat_at fresh; a running row whose heartbeat is stale is reclaimed.
    // done_types/output record finished types, so a resumed job restarts only its current type.
    sql: `
CREATE TABLE export_job (
  id               text PRIMARY KEY,
  status           text NOT NULL,          -- queued | running | completed | failed | cancelled
  request          text NOT NULL,          -- the kick-off URL, echoed in the manifest
  spec             jsonb NOT NULL,         -- level, types, _since, _typeFilter, patients, warnings
  auth             jsonb,                  -- the kick-off client (tenancy filters, file access)
  transaction_time timestamptz NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  worker           text,
  heartbeat_at     timestamptz,
  attempts         integer NOT NULL DEFAULT 0,
  done_types       text[] NOT NULL DEFAULT '{}',
  output           jsonb NOT NULL DEFAULT '[]',
  error_files      jsonb NOT NULL DEFAULT '[]',
  progress         jsonb NOT NULL DEFAULT '{}',
  error            text,
  finished_at      timestamptz,
  expires_at       timestamptz
);
CREATE INDEX export_job_status ON export_job (status, created_at);
`,
  },
  {
    version: 3,
    name: 'audit events and tenancy functions',
    // Kept apart from `resource`: audit records never show in history, totals or the reference index.
    sql: `
CREATE TABLE audit_event (
  seq          bigserial PRIMARY KEY,
  id           text NOT NULL UNIQUE,
  recorded     timestamptz NOT NULL,
  client_id    text NOT NULL,
  action       text NOT NULL,
  interaction  text NOT NULL,
  outcome      text NOT NULL,
  status       integer NOT NULL,
  entities     text[] NOT NULL,  -- Type, Type/id or Type/id/_history/v: what was touched (never values)
  content      text NOT NULL     -- the AuditEvent resource
);
CREATE INDEX audit_event_recorded ON audit_event (recorded, seq);
CREATE INDEX audit_event_client ON audit_event (client_id, recorded);
CREATE INDEX audit_event_entities ON audit_event USING gin (entities);

-- Tenancy sets for access control (src/auth/tenancy.ts). PL/pgSQL, so the planner treats each as
-- one opaque call: queries that use them plan in microseconds instead of re-planning the subqueries.
CREATE FUNCTION prss_org_roles(org text) RETURNS SETOF text LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY SELECT rr.id FROM resource rr WHERE rr.type = 'PractitionerRole' AND rr.rid IN (
    SELECT t.rid FROM sp_reference t
    WHERE t.type = 'PractitionerRole' AND t.param = 'organization' AND t.target_type = 'Organization' AND t.target_id = org);
END $$;

-- Members an organization serves: a session it provides (serviceProvider, or a participant role of
-- it), a plan authored by it or one of its roles, a claim it is the provider of.
CREATE FUNCTION prss_ehr_members(org text) RETURNS SETOF text LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY SELECT DISTINCT x.target_id FROM resource_ref x WHERE x.target_type = 'Patient' AND x.rid IN (
    SELECT t.rid FROM sp_reference t WHERE t.type = 'Encounter' AND t.param = 'service-provider' AND t.target_type = 'Organization' AND t.target_id = org
    UNION SELECT t.rid FROM sp_reference t WHERE t.type = 'Encounter' AND t.param = 'participant' AND t.target_type = 'PractitionerRole' AND t.target_id IN (SELECT prss_org_roles(org))
    UNION SELECT t.rid FROM sp_reference t WHERE t.type = 'Claim' AND t.param = 'provider' AND t.target_type = 'Organization' AND t.target_id = org
    UNION SELECT c.rid FROM resource c WHERE c.type = 'CarePlan' AND c.rid IN (
        SELECT y.rid FROM resource_ref y WHERE y.type = 'CarePlan'
          AND ((y.target_type = 'PractitionerRole' AND y.target_id IN (SELECT prss_org_roles(org))) OR (y.target_type = 'Organization' AND y.target_id = org)))
      AND regexp_replace(c.content::jsonb #>> '{author,reference}', '^.*/([A-Za-z]+/[^/]+)$', '\\1')
          IN (SELECT 'PractitionerRole/' || r FROM prss_org_roles(org) r UNION ALL SELECT 'Organization/' || org));
END $$;

-- Coverages a payer pays, their beneficiaries, and the claims that name those coverages (or the payer as insurer).
CREATE FUNCTION prss_payer_coverages(org text) RETURNS SETOF text LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY SELECT c.id FROM resource c WHERE c.type = 'Coverage' AND c.rid IN (
    SELECT t.rid FROM sp_reference t WHERE t.type = 'Coverage' AND t.param = 'payor' AND t.target_type = 'Organization' AND t.target_id = org);
END $$;

CREATE FUNCTION prss_payer_members(org text) RETURNS SETOF text LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY SELECT DISTINCT t.target_id FROM sp_reference t
    WHERE t.type = 'Coverage' AND t.param = 'beneficiary' AND t.target_type = 'Patient' AND t.rid IN (
      SELECT u.rid FROM sp_reference u WHERE u.type = 'Coverage' AND u.param = 'payor' AND u.target_type = 'Organization' AND u.target_id = org);
END $$;

CREATE FUNCTION prss_payer_claims(org text) RETURNS SETOF text LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY SELECT c.id FROM resource c WHERE c.type = 'Claim' AND c.rid IN (
    SELECT x.rid FROM resource_ref x WHERE x.type = 'Claim' AND x.target_type = 'Coverage' AND x.target_id IN (SELECT prss_payer_coverages(org))
    UNION SELECT t.rid FROM sp_reference t WHERE t.type = 'Claim' AND t.param = 'insurer' AND t.target_type = 'Organization' AND t.target_id = org);
END $$;
`,
  },
  {
    version: 4,
    name: 'change feed for caches of gathered rule context',
    // The id of the writing transaction on every version row. A cache of gathered context asks for
    // the versions written by transactions at or after the oldest one still running when it last
    // asked (pg_snapshot_xmin): every commit is seen at least once, on any instance, whatever the
    // commit order.
    sql: `
ALTER TABLE resource_version ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX resource_version_txid ON resource_version (txid);
`,
  },
  {
    version: 5,
    name: 'search indexes on a prefix of long values',
    // A B-tree entry holds at most about 2,700 bytes: a 9,000-character identifier, family name or
    // URI made the insert fail. The indexes now hold the first INDEX_PREFIX_CHARS characters
    // (left() counts characters, so at most 4 bytes each) and every query compares the prefix
    // through the index, then the full value (src/store/postgres/search-sql.ts): search stays exact.
    sql: `
DROP INDEX sp_token_code;
CREATE INDEX sp_token_code ON sp_token (type, param, left(code, 200), left(system, 200));
DROP INDEX sp_string_value;
CREATE INDEX sp_string_value ON sp_string (type, param, left(value, 200) text_pattern_ops);
DROP INDEX sp_uri_value;
CREATE INDEX sp_uri_value ON sp_uri (type, param, left(value, 200));
`,
  },
  {
    version: 6,
    name: 'full-text indexes for _content and _text; composite groups',
    // Expression indexes: the search SQL uses the same expressions (src/store/fulltext.ts).
    // grp: the rows `code#i` of one element of a composite parameter share it (null otherwise);
    // adding a nullable column rewrites nothing.
    sql: `
ALTER TABLE sp_token ADD COLUMN grp integer;
ALTER TABLE sp_string ADD COLUMN grp integer;
ALTER TABLE sp_date ADD COLUMN grp integer;
ALTER TABLE sp_number ADD COLUMN grp integer;
ALTER TABLE sp_quantity ADD COLUMN grp integer;
ALTER TABLE sp_reference ADD COLUMN grp integer;
ALTER TABLE sp_uri ADD COLUMN grp integer;
CREATE INDEX resource_content_fts ON resource USING gin ((${contentTsvector()}));
CREATE INDEX resource_narrative_fts ON resource USING gin ((${narrativeTsvector()}));
`,
  },
  {
    // Numbered after its issue (20), so that migrations added on other branches meanwhile do not collide.
    version: 20,
    name: 'bulk import jobs share the export job table',
    sql: `
ALTER TABLE export_job ADD COLUMN kind text NOT NULL DEFAULT 'export';  -- export | import
`,
  },
  {
    // Numbered after the migrations that landed before it (its branch had 9).
    version: 21,
    name: 'subscription state and notification outbox',
    // subscription_state: one row per Subscription (src/subscriptions): what the write path needs to
    // match (type, criteria, status), the owner's access, and the last event number given out. A
    // write that matches takes the row lock to number its events, so numbers follow commit order.
    // subscription_event: the outbox, written in the writer's transaction; the delivery worker claims
    // the oldest row of each subscription (FOR UPDATE SKIP LOCKED) and deletes it once delivered.
    sql: `
CREATE TABLE subscription_state (
  id            text PRIMARY KEY,
  resource_type text NOT NULL,
  criteria      text NOT NULL,
  status        text NOT NULL,           -- requested | active | error | off
  owner         jsonb,                   -- the AuthContext of the client that wrote it (null: AUTH off)
  events        bigint NOT NULL DEFAULT 0,
  failures      integer NOT NULL DEFAULT 0
);
CREATE INDEX subscription_state_type ON subscription_state (resource_type, status);

CREATE TABLE subscription_event (
  seq            bigserial PRIMARY KEY,
  subscription   text NOT NULL,
  kind           text NOT NULL,           -- handshake | event
  event_number   bigint NOT NULL,         -- the subscription's event count after this event (handshake: 0)
  focus_type     text,
  focus_id       text,
  focus_version  integer,
  created_at     timestamptz NOT NULL DEFAULT now(),
  attempts       integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error     text,
  leased_by      text,                    -- the worker delivering it now, until leased_until
  leased_until   timestamptz
);
CREATE INDEX subscription_event_sub ON subscription_event (subscription, seq);
CREATE INDEX subscription_event_due ON subscription_event (next_attempt_at);
`,
  },
];

/** Characters of a value the search indexes hold (migration 5); queries match the same prefix. */
export const INDEX_PREFIX_CHARS = 200;

export async function migrate(db: SqlClient): Promise<number[]> {
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  return db.transaction(async (tx) => {
    if (tx.kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock(738155)');
    const done = new Set(
      (await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)),
    );
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}
