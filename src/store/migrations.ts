/**
 * Versioned schema migrations, applied in order at start inside one transaction each, under an
 * advisory lock so that several server instances starting together apply them once.
 *
 * Layout: `resource` holds the current version of every resource (also deleted ones, as tombstones)
 * with an internal `rid`; `resource_version` keeps every version (history). Search index rows live
 * in one table per search parameter type, keyed by `rid`, and are rewritten in the same transaction
 * as the resource.
 */
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
];

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
