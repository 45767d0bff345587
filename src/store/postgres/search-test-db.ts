/**
 * Test support for the search SQL: an in-memory PGlite with the real schema, resources written with
 * their index rows from extractIndexRows, and a search run the way the store composes it.
 */
import { migrate } from '../migrations';
import { openPGlite, SqlParams, type SqlClient } from '../sql';
import { criteriaSql, sortSql } from './search-sql';
import { extractIndexRows } from '../../fhir/search/extract';
import { parseSearch } from '../../fhir/search/parse';
import type { ParseOptions } from '../../fhir/search/types';

export async function openSearchDb(): Promise<SqlClient> {
  const db = await openPGlite();
  await migrate(db);
  return db;
}

type AnyResource = { resourceType: string; id?: string } & Record<string, unknown>;

export async function insertIndexed(db: SqlClient, resource: AnyResource, lastUpdated: string): Promise<void> {
  const [{ rid }] = await db.query<{ rid: number }>(
    `INSERT INTO resource (type, id, version, last_updated, content) VALUES ($1, $2, 1, $3, $4) RETURNING rid`,
    [resource.resourceType, resource.id, lastUpdated, JSON.stringify(resource)],
  );
  const type = resource.resourceType;
  const rows = extractIndexRows(resource);
  for (const r of rows.token) {
    await db.query('INSERT INTO sp_token (rid, type, param, system, code, text_value, grp) VALUES ($1,$2,$3,$4,$5,$6,$7)', [rid, type, r.param, r.system, r.code, r.text, r.grp ?? null]);
  }
  for (const r of rows.string) {
    await db.query('INSERT INTO sp_string (rid, type, param, value, exact_value, grp) VALUES ($1,$2,$3,$4,$5,$6)', [rid, type, r.param, r.value, r.exact, r.grp ?? null]);
  }
  for (const r of rows.date) {
    await db.query('INSERT INTO sp_date (rid, type, param, lo, hi, grp) VALUES ($1,$2,$3,$4,$5,$6)', [rid, type, r.param, r.lo, r.hi, r.grp ?? null]);
  }
  for (const r of rows.number) {
    await db.query('INSERT INTO sp_number (rid, type, param, value, grp) VALUES ($1,$2,$3,$4::numeric,$5)', [rid, type, r.param, r.value, r.grp ?? null]);
  }
  for (const r of rows.quantity) {
    await db.query('INSERT INTO sp_quantity (rid, type, param, value, system, code, grp) VALUES ($1,$2,$3,$4::numeric,$5,$6,$7)', [rid, type, r.param, r.value, r.system, r.code, r.grp ?? null]);
  }
  for (const r of rows.reference) {
    await db.query('INSERT INTO sp_reference (rid, type, param, target_type, target_id, url, grp) VALUES ($1,$2,$3,$4,$5,$6,$7)', [rid, type, r.param, r.targetType, r.targetId, r.url, r.grp ?? null]);
  }
  for (const r of rows.uri) {
    await db.query('INSERT INTO sp_uri (rid, type, param, value, grp) VALUES ($1,$2,$3,$4,$5)', [rid, type, r.param, r.value, r.grp ?? null]);
  }
}

const OPTIONS: ParseOptions = { strict: true, defaultCount: 20, maxCount: 100 };

/** Ids of the matching resources of `type`, in the requested sort order (rid breaks ties). */
export async function searchIds(db: SqlClient, type: string, query: string): Promise<string[]> {
  const params = [...new URLSearchParams(query).entries()];
  const search = parseSearch(type, params, OPTIONS);
  const p = new SqlParams();
  const typeParam = p.add(type);
  const conditions = criteriaSql(search, p, 'r');
  const order = sortSql(search, p, 'r').map((s) => `${s.sql} ${s.descending ? 'DESC' : 'ASC'}`);
  const sql = `SELECT r.id FROM resource r WHERE r.type = ${typeParam}${conditions.map((c) => ` AND ${c}`).join('')} ORDER BY ${[...order, 'r.rid'].join(', ')}`;
  const rows = await db.query<{ id: string }>(sql, p.values);
  return rows.map((r) => r.id);
}
