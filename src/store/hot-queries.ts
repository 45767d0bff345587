/**
 * The SQL of the store's hot paths, in one place: the repository (and the export worker) run these
 * statements, and test/hot-query-plans.postgres.test.ts explains the very same ones and fails on a
 * sequential scan of a large table. Each builder returns the text and its parameters.
 *
 * Search and history compose their SQL from the search module; the repository's `searchStatement`
 * exposes a search's page query the same way.
 */
import { SqlParams } from './sql';

export interface Statement {
  text: string;
  params: unknown[];
  /** A prepared statement's name (one name, one text). */
  name?: string;
}

const splitKeys = (keys: Iterable<string>): [string[], string[]] => {
  const types: string[] = [];
  const ids: string[] = [];
  for (const k of keys) {
    const i = k.indexOf('/');
    if (i > 0) {
      types.push(k.slice(0, i));
      ids.push(k.slice(i + 1));
    }
  }
  return [types, ids];
};

/** Read: the current version of one resource. */
export const readStatement = (type: string, id: string): Statement => ({
  text: 'SELECT version, last_updated, deleted, content FROM resource WHERE type = $1 AND id = $2',
  params: [type, id],
  name: 'prss_read',
});

/** Vread: one version of one resource. */
export const vreadStatement = (type: string, id: string, version: number): Statement => ({
  text: `SELECT v.version, v.last_updated, v.deleted, v.content FROM resource r
       JOIN resource_version v ON v.rid = r.rid AND v.version = $3
       WHERE r.type = $1 AND r.id = $2`,
  params: [type, id, version],
  name: 'prss_vread',
});

/** The rule gather's reads of named records (`Type/id` keys). */
export const readManyStatement = (keys: string[]): Statement => ({
  text: 'SELECT type, id, version, content FROM resource WHERE (type, id) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND NOT deleted',
  params: splitKeys(new Set(keys)),
});

/** The rule gather's reads of what names a set of records (see Repository.referencing). */
export function referencingStatement(targets: string[], types?: string[], encounterWindow?: { from: string; to: string }): Statement {
  const p = new SqlParams();
  const [tt, ti] = splitKeys(new Set(targets));
  // The type filter sits inside the subquery, on resource_ref's (target_type, target_id, type) index:
  // a PRS is named by every note and claim of every member, and only a few types are wanted.
  const typeFilter = types?.length ? ` AND t.type = ANY(${p.add(types)}::text[])` : '';
  const where = [`r.rid IN (SELECT t.rid FROM resource_ref t WHERE (t.target_type, t.target_id) IN (SELECT * FROM unnest(${p.add(tt)}::text[], ${p.add(ti)}::text[]))${typeFilter})`, 'NOT r.deleted'];
  if (encounterWindow) {
    // Encounters only where their period meets the window (the `date` index of Encounter).
    where.push(`(r.type <> 'Encounter' OR EXISTS (SELECT 1 FROM sp_date d WHERE d.rid = r.rid AND d.type = 'Encounter' AND d.param = 'date'
        AND d.lo <= ${p.add(`${encounterWindow.to}T23:59:59.999Z`)}::timestamptz AND d.hi >= ${p.add(`${encounterWindow.from}T00:00:00Z`)}::timestamptz))`);
  }
  return { text: `SELECT r.type, r.id, r.version, r.content FROM resource r WHERE ${where.join(' AND ')} ORDER BY r.rid`, params: p.values };
}

/**
 * The change-feed poll. One statement, so one snapshot: its xmin is the oldest transaction still
 * running, and every version of a transaction at or after the previous xmin is read. A version
 * committed out of txid order is therefore never skipped (it may be reported twice, which costs a
 * re-gather). ORDER BY txid keeps the plan on the txid index even before the table has statistics.
 */
export const changesStatement = (since: string | null, limit: number): Statement => ({
  text: `SELECT s.xmin, v.rid, v.type, v.id FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin) s
           LEFT JOIN LATERAL (
             SELECT c.rid, c.type, c.id FROM resource_version c WHERE $1::xid8 IS NOT NULL AND c.txid >= $1::xid8 ORDER BY c.txid LIMIT $2
           ) v ON true`,
  params: [since, limit + 1],
  name: 'prss_changes',
});

/** The references of the records the change feed reported. */
export const changeRefsStatement = (rids: number[]): Statement => ({
  text: 'SELECT rid, target_type, target_id FROM resource_ref WHERE rid = ANY($1::bigint[])',
  params: [rids],
  name: 'prss_change_refs',
});

/**
 * One keyset page of a type's export. The inner query walks the (type, rid) index for exactly one
 * page of candidates and the outer one applies the filters (`where`, over alias `r`, with its values
 * in `p`), so every page costs the same however the planner estimates the filters.
 */
export function exportPageStatement(type: string, where: string, p: SqlParams, pageSize: number): (after: number) => Statement {
  const typeParam = p.add(type);
  const afterParam = `$${p.values.length + 1}`;
  // The page's rids as an array: the outer read is then by primary key whatever the statistics (as a
  // join, a page that is a large share of a small table was hashed against a sequential scan of it).
  const text = `SELECT r.rid, CASE WHEN ${where} THEN r.content END AS content FROM resource r
      WHERE r.rid = ANY(ARRAY(SELECT rid FROM resource WHERE type = ${typeParam} AND rid > ${afterParam}::bigint ORDER BY rid LIMIT ${pageSize}))
      ORDER BY r.rid`;
  const values = [...p.values];
  return (after) => ({ text, params: [...values, after] });
}
