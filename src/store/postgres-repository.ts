/**
 * The PostgreSQL repository (PGlite or a server). Writes are batched: a transaction Bundle of N
 * resources costs a fixed handful of statements (array parameters through `unnest`), not N round
 * trips. Search pages by keyset (sort values + rid), never OFFSET, so links stay correct while
 * others write.
 */
import { randomUUID } from 'node:crypto';
import type { ParsedSearch, IndexRows, SortExpression } from '../fhir/search/types';
import { search as searchModule } from '../fhir/search';
import { literalReferences } from '../fhir/literal-references';

export { literalReferences };
import { conflict, gone, notFound, preconditionFailed, badRequest } from '../outcomes';
import type { SqlClient } from './sql';
import { SqlParams } from './sql';
import type {
  Change, ChangeFeed, HistoryEntry, HistoryOptions, HistoryPage, Repository, Resource, SearchMatch, SearchResult, StoredRaw, WriteOp, WriteResult,
} from './repository';
import { deepFreeze } from '../deep-freeze';

/** Reads kept for the rest of a transaction (Repository.transactionCache), per transaction client. */
const transactionCaches = new WeakMap<SqlClient, Map<string, unknown>>();

/** Rows written since the last ANALYZE, per embedded database. */
const analyzeState = new WeakMap<object, { since: number; base: number }>();

const INDEX_TABLES = ['sp_token', 'sp_string', 'sp_date', 'sp_number', 'sp_quantity', 'sp_reference', 'sp_uri', 'resource_ref'] as const;

/** A search limited by access control (src/auth): extra SQL conditions over alias `r` for every row it returns — matches, totals and includes. */
export type ScopedSearch = ParsedSearch & { access?: (p: SqlParams, alias: string) => string[] };

/** Access conditions appended to a query whose parameters are a plain array. */
function accessSql(search: ParsedSearch, params: unknown[]): string {
  const access = (search as ScopedSearch).access;
  if (!access) return '';
  const p = new SqlParams();
  p.values.push(...params);
  const conds = access(p, 'r');
  params.splice(0, params.length, ...p.values);
  return conds.length ? ` AND ${conds.join(' AND ')}` : '';
}

/**
 * Work done inside every write transaction of one database (src/subscriptions records matching
 * notifications in it): `before` may amend or refuse the resources about to be written, `after`
 * sees the stored results on the same transaction.
 */
export interface WriteHooks {
  before?(ops: WriteOp[], repo: PostgresRepository): Promise<void>;
  after?(ops: WriteOp[], results: WriteResult[], repo: PostgresRepository): Promise<void>;
}
const writeHooks = new WeakMap<object, WriteHooks>();

/** Install (or, with undefined, remove) the write hooks of the database behind `sql`. */
export function setWriteHooks(sql: SqlClient, hooks: WriteHooks | undefined): void {
  if (hooks) writeHooks.set(sql.root, hooks);
  else writeHooks.delete(sql.root);
}

interface CurrentRow { rid: number; type: string; id: string; version: number; deleted: boolean }

const keyOf = (type: string, id: string) => `${type}/${id}`;
const toIso = (v: unknown): string => (v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString());

/** `W/"3"`, `"3"` or `3` → `3`. */
export function parseETag(etag: string | undefined): string | undefined {
  if (!etag) return undefined;
  const m = /^(?:W\/)?"?([^"]*)"?$/.exec(etag.trim());
  return m?.[1];
}

export class PostgresRepository implements Repository {
  constructor(private readonly db: SqlClient, private readonly inTransaction = false) {}

  get kind() {
    return this.db.kind;
  }

  /** The SQL client (bound to this repository's transaction, if any): access control runs its checks on it. */
  get sql(): SqlClient {
    return this.db;
  }

  // ---- reads ------------------------------------------------------------------------------------

  async readRaw(type: string, id: string): Promise<StoredRaw> {
    const rows = await this.db.query<{ version: number; last_updated: Date; deleted: boolean; content: string | null }>(
      'SELECT version, last_updated, deleted, content FROM resource WHERE type = $1 AND id = $2',
      [type, id],
      'prss_read',
    );
    const row = rows[0];
    if (!row) throw notFound(`${type}/${id} is not known`);
    if (row.deleted || row.content === null) throw gone(`${type}/${id} was deleted (version ${row.version})`);
    return { json: row.content, versionId: String(row.version), lastUpdated: toIso(row.last_updated) };
  }

  async read<T extends Resource = Resource>(type: string, id: string): Promise<T> {
    return JSON.parse((await this.readRaw(type, id)).json) as T;
  }

  async vreadRaw(type: string, id: string, versionId: string): Promise<StoredRaw> {
    if (!/^\d{1,9}$/.test(versionId)) throw notFound(`${type}/${id} has no version ${versionId}`);
    const rows = await this.db.query<{ version: number; last_updated: Date; deleted: boolean; content: string | null }>(
      `SELECT v.version, v.last_updated, v.deleted, v.content FROM resource r
       JOIN resource_version v ON v.rid = r.rid AND v.version = $3
       WHERE r.type = $1 AND r.id = $2`,
      [type, id, Number(versionId)],
      'prss_vread',
    );
    const row = rows[0];
    if (!row) throw notFound(`${type}/${id} has no version ${versionId}`);
    if (row.deleted || row.content === null) throw gone(`${type}/${id} version ${versionId} is a deletion`);
    return { json: row.content, versionId: String(row.version), lastUpdated: toIso(row.last_updated) };
  }

  async readMany(keys: string[]): Promise<Resource[]> {
    if (keys.length === 0) return [];
    const types: string[] = [];
    const ids: string[] = [];
    for (const k of new Set(keys)) {
      const i = k.indexOf('/');
      if (i > 0) {
        types.push(k.slice(0, i));
        ids.push(k.slice(i + 1));
      }
    }
    const rows = await this.db.query<{ type: string; id: string; version: number; content: string }>(
      `SELECT type, id, version, content FROM resource WHERE (type, id) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND NOT deleted`,
      [types, ids],
    );
    return rows.map((r) => parsedVersion(r.type, r.id, r.version, r.content));
  }

  async referencing(targets: string[], types?: string[], options: { encounterWindow?: { from: string; to: string } } = {}): Promise<Resource[]> {
    if (targets.length === 0) return [];
    const p = new SqlParams();
    const tt: string[] = [];
    const ti: string[] = [];
    for (const k of new Set(targets)) {
      const i = k.indexOf('/');
      tt.push(k.slice(0, i));
      ti.push(k.slice(i + 1));
    }
    // The type filter sits inside the subquery, on resource_ref's (target_type, target_id, type) index:
    // a PRS is named by every note and claim of every member, and only a few types are wanted.
    const typeFilter = types?.length ? ` AND t.type = ANY(${p.add(types)}::text[])` : '';
    const where = [`r.rid IN (SELECT t.rid FROM resource_ref t WHERE (t.target_type, t.target_id) IN (SELECT * FROM unnest(${p.add(tt)}::text[], ${p.add(ti)}::text[]))${typeFilter})`, 'NOT r.deleted'];
    if (options.encounterWindow) {
      // Encounters only where their period meets the window (the `date` index of Encounter).
      where.push(`(r.type <> 'Encounter' OR EXISTS (SELECT 1 FROM sp_date d WHERE d.rid = r.rid AND d.type = 'Encounter' AND d.param = 'date'
        AND d.lo <= ${p.add(`${options.encounterWindow.to}T23:59:59.999Z`)}::timestamptz AND d.hi >= ${p.add(`${options.encounterWindow.from}T00:00:00Z`)}::timestamptz))`);
    }
    const rows = await this.db.query<{ type: string; id: string; version: number; content: string }>(
      `SELECT r.type, r.id, r.version, r.content FROM resource r WHERE ${where.join(' AND ')} ORDER BY r.rid`,
      p.values,
    );
    return rows.map((r) => parsedVersion(r.type, r.id, r.version, r.content));
  }

  /** Per transaction client (shared by every repository over it, nested ones included). */
  transactionCache(): Map<string, unknown> | undefined {
    if (!this.inTransaction) return undefined;
    let m = transactionCaches.get(this.db);
    if (!m) transactionCaches.set(this.db, (m = new Map()));
    return m;
  }

  // ---- change feed ------------------------------------------------------------------------------

  private feed?: ChangeFeed;

  changeFeed(): ChangeFeed | undefined {
    if (this.inTransaction) return undefined;
    const db = this.db;
    return (this.feed ??= {
      scope: db.root,
      // One statement, so one snapshot: its xmin is the oldest transaction still running, and every
      // version of a transaction at or after the previous xmin is read. A version committed out of
      // txid order is therefore never skipped (it may be reported twice, which costs a re-gather).
      async changes(since, limit) {
        // ORDER BY txid keeps the plan on the txid index even before the table has statistics.
        const rows = await db.query<{ xmin: string; rid: number | null; type: string | null; id: string | null }>(
          `SELECT s.xmin, v.rid, v.type, v.id FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin) s
           LEFT JOIN LATERAL (
             SELECT c.rid, c.type, c.id FROM resource_version c WHERE $1::xid8 IS NOT NULL AND c.txid >= $1::xid8 ORDER BY c.txid LIMIT $2
           ) v ON true`,
          [since ?? null, limit + 1],
          'prss_changes',
        );
        const changed = rows.filter((r) => r.rid !== null && r.type && r.id);
        const overflow = changed.length > limit;
        const refs = new Map<number, string[]>();
        if (changed.length && !overflow) {
          const rids = [...new Set(changed.map((r) => Number(r.rid)))];
          for (const r of await db.query<{ rid: number; target_type: string; target_id: string }>(
            'SELECT rid, target_type, target_id FROM resource_ref WHERE rid = ANY($1::bigint[])', [rids], 'prss_change_refs')) {
            const list = refs.get(Number(r.rid)) ?? [];
            list.push(keyOf(r.target_type, r.target_id));
            refs.set(Number(r.rid), list);
          }
        }
        const changes: Change[] = overflow ? [] : changed.map((r) => ({ key: keyOf(r.type!, r.id!), refs: refs.get(Number(r.rid)) ?? [] }));
        return { cursor: rows[0].xmin, changes, overflow };
      },
    });
  }

  // ---- writes -----------------------------------------------------------------------------------

  async write(ops: WriteOp[]): Promise<WriteResult[]> {
    if (ops.length === 0) return [];
    if (!this.inTransaction) return this.db.transaction((tx) => new PostgresRepository(tx, true).write(ops));
    // What was read in this transaction may no longer be what it would read now.
    transactionCaches.get(this.db)?.clear();
    const now = new Date().toISOString();

    // Identities: every op names one resource, and no resource twice (FHIR transaction rule).
    const targets = ops.map((op) => {
      if (op.kind === 'delete') return { type: op.type, id: op.id };
      if (op.kind === 'create' && !op.resource.id) op.resource.id = randomUUID();
      return { type: op.resource.resourceType, id: op.resource.id! };
    });
    const hooks = writeHooks.get(this.db.root);
    if (hooks?.before) await hooks.before(ops, this);
    const seen = new Set<string>();
    for (const t of targets) {
      const k = keyOf(t.type, t.id);
      if (seen.has(k)) throw badRequest(`${k} is the target of more than one entry; a transaction may change a resource only once`, undefined, 'processing');
      seen.add(k);
    }

    const existing = new Map<string, CurrentRow>();
    const lookup = ops.filter((op) => op.kind !== 'create');
    if (lookup.length > 0 || ops.some((op) => op.kind === 'create')) {
      const rows = await this.db.query<CurrentRow>(
        `SELECT rid, type, id, version, deleted FROM resource
         WHERE (type, id) IN (SELECT * FROM unnest($1::text[], $2::text[])) FOR UPDATE`,
        [targets.map((t) => t.type), targets.map((t) => t.id)],
      );
      for (const r of rows) existing.set(keyOf(r.type, r.id), r);
    }

    const results: WriteResult[] = [];
    const inserts: { type: string; id: string; version: number; deleted: boolean; content: string | null; method: string; index?: IndexRows; refs?: string[] }[] = [];
    const updates: { rid: number; type: string; id: string; version: number; deleted: boolean; content: string | null; method: string; index?: IndexRows; refs?: string[] }[] = [];

    ops.forEach((op, i) => {
      const { type, id } = targets[i];
      const cur = existing.get(keyOf(type, id));
      if (op.kind === 'create' && cur) throw conflict(`${type}/${id} already exists`);
      if (op.kind !== 'create' && op.ifMatch !== undefined) {
        const want = parseETag(op.ifMatch);
        if (!cur || cur.deleted || String(cur.version) !== want) {
          throw preconditionFailed(`If-Match ${op.ifMatch} does not match the current version of ${type}/${id} (${cur && !cur.deleted ? `W/"${cur.version}"` : 'none'})`);
        }
      }
      if (op.kind === 'delete') {
        if (!cur || cur.deleted) {
          results.push({ type, id, versionId: cur ? String(cur.version) : '0', lastUpdated: now, status: 204, created: false });
          return;
        }
        const version = cur.version + 1;
        updates.push({ rid: cur.rid, type, id, version, deleted: true, content: null, method: 'DELETE' });
        results.push({ type, id, versionId: String(version), lastUpdated: now, status: 200, created: false });
        return;
      }
      const version = cur ? cur.version + 1 : 1;
      // resourceType, id and meta lead the stored JSON, as people expect to read it.
      const { resourceType, id: _given, meta: givenMeta, ...rest } = op.resource as Resource & Record<string, unknown>;
      const resource = { resourceType, id, meta: { ...(givenMeta ?? {}), versionId: String(version), lastUpdated: now }, ...rest } as Resource;
      const content = JSON.stringify(resource);
      const index = searchModule.extractIndexRows(resource as Resource & Record<string, unknown>);
      const refs = literalReferences(resource);
      const method = op.kind === 'create' ? 'POST' : (op.method ?? 'PUT');
      const created = !cur || cur.deleted;
      if (cur) updates.push({ rid: cur.rid, type, id, version, deleted: false, content, method, index, refs });
      else inserts.push({ type, id, version, deleted: false, content, method, index, refs });
      results.push({ type, id, versionId: String(version), lastUpdated: now, resource, status: created ? 201 : 200, created });
    });

    // Current rows.
    const rids = new Map<string, number>();
    if (inserts.length) {
      let rows: { rid: number; type: string; id: string }[];
      try {
        rows = await this.db.query<{ rid: number; type: string; id: string }>(
          `INSERT INTO resource (type, id, version, last_updated, deleted, content)
           SELECT t, i, v, $4::timestamptz, false, c FROM unnest($1::text[], $2::text[], $3::int[], $5::text[]) AS x(t, i, v, c)
           RETURNING rid, type, id`,
          [inserts.map((r) => r.type), inserts.map((r) => r.id), inserts.map((r) => r.version), now, inserts.map((r) => r.content)],
        );
      } catch (e) {
        if ((e as { code?: string }).code === '23505') throw conflict('A resource with the same id was created concurrently; retry the request');
        throw e;
      }
      for (const r of rows) rids.set(keyOf(r.type, r.id), Number(r.rid));
    }
    if (updates.length) {
      await this.db.query(
        `UPDATE resource r SET version = x.v, last_updated = $3::timestamptz, deleted = x.d, content = x.c
         FROM unnest($1::bigint[], $2::int[], $4::bool[], $5::text[]) AS x(rid, v, d, c) WHERE r.rid = x.rid`,
        [updates.map((u) => u.rid), updates.map((u) => u.version), now, updates.map((u) => u.deleted), updates.map((u) => u.content)],
      );
      for (const u of updates) rids.set(keyOf(u.type, u.id), u.rid);
      const changed = updates.map((u) => u.rid);
      for (const table of INDEX_TABLES) await this.db.query(`DELETE FROM ${table} WHERE rid = ANY($1::bigint[])`, [changed]);
    }

    // History.
    const all = [...inserts, ...updates];
    await this.db.query(
      `INSERT INTO resource_version (rid, type, id, version, last_updated, method, deleted, content)
       SELECT rid, t, i, v, $4::timestamptz, m, d, c
       FROM unnest($1::bigint[], $2::text[], $3::text[], $5::text[], $6::int[], $7::bool[], $8::text[]) AS x(rid, t, i, m, v, d, c)`,
      [all.map((r) => rids.get(keyOf(r.type, r.id))), all.map((r) => r.type), all.map((r) => r.id), now, all.map((r) => r.method), all.map((r) => r.version), all.map((r) => r.deleted), all.map((r) => r.content)],
    );

    await this.analyzeIfGrown(all.length);

    // Search index rows.
    await this.insertIndexRows(all.filter((r) => r.index).map((r) => ({ rid: rids.get(keyOf(r.type, r.id))!, type: r.type, index: r.index!, refs: r.refs ?? [] })));
    if (hooks?.after) await hooks.after(ops, results, this);
    return results;
  }

  private async insertIndexRows(items: { rid: number; type: string; index: IndexRows; refs: string[] }[]): Promise<void> {
    if (items.length === 0) return;
    const cols = <K extends keyof IndexRows>(kind: K, pick: (row: IndexRows[K][number]) => unknown[]) => {
      const out: unknown[][] = [[], [], []];
      for (const it of items) {
        for (const row of it.index[kind] as IndexRows[K][number][]) {
          const values = pick(row);
          out[0].push(it.rid);
          out[1].push(it.type);
          out[2].push((row as { param: string }).param);
          values.forEach((v, i) => (out[3 + i] ??= []).push(v));
        }
      }
      return out;
    };
    const run = async (table: string, columns: string[], casts: string[], data: unknown[][]) => {
      if (data[0].length === 0) return;
      const args = data.map((_, i) => `$${i + 1}::${['bigint', 'text', 'text', ...casts][i]}[]`).join(', ');
      await this.db.query(`INSERT INTO ${table} (rid, type, param, ${columns.join(', ')}) SELECT * FROM unnest(${args})`, data);
    };
    await run('sp_token', ['system', 'code', 'text_value'], ['text', 'text', 'text'], cols('token', (r) => [r.system, r.code, r.text]));
    await run('sp_string', ['value', 'exact_value'], ['text', 'text'], cols('string', (r) => [r.value, r.exact]));
    await run('sp_date', ['lo', 'hi'], ['timestamptz', 'timestamptz'], cols('date', (r) => [r.lo, r.hi]));
    await run('sp_number', ['value'], ['numeric'], cols('number', (r) => [r.value]));
    await run('sp_quantity', ['value', 'system', 'code'], ['numeric', 'text', 'text'], cols('quantity', (r) => [r.value, r.system, r.code]));
    await run('sp_reference', ['target_type', 'target_id', 'url'], ['text', 'text', 'text'], cols('reference', (r) => [r.targetType, r.targetId, r.url]));
    await run('sp_uri', ['value'], ['text'], cols('uri', (r) => [r.value]));
    const refs: unknown[][] = [[], [], [], []];
    for (const it of items) {
      for (const key of it.refs) {
        const i = key.indexOf('/');
        refs[0].push(it.rid);
        refs[1].push(it.type);
        refs[2].push(key.slice(0, i));
        refs[3].push(key.slice(i + 1));
      }
    }
    if (refs[0].length) {
      await this.db.query('INSERT INTO resource_ref (rid, type, target_type, target_id) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[])', refs);
    }
  }

  /**
   * PGlite runs no autovacuum, so after a bulk load the planner has no statistics and drives
   * searches from the wrong index (measured: 86 CarePlan searches/s at 100,000 resources, against
   * 0.18 ms per search once analysed). Analyse as the data grows, as autovacuum would on a server:
   * once 1,000 rows and 10% of the table have been written since the last time.
   */
  private async analyzeIfGrown(written: number): Promise<void> {
    if (this.db.kind !== 'pglite') return;
    const state = analyzeState.get(this.db.root) ?? { since: 0, base: 0 };
    state.since += written;
    analyzeState.set(this.db.root, state);
    if (state.since < Math.max(1000, state.base * 0.1)) return;
    await this.db.exec('ANALYZE');
    state.base += state.since;
    state.since = 0;
  }

  // ---- search -----------------------------------------------------------------------------------

  async count(search: ParsedSearch): Promise<number> {
    const p = new SqlParams();
    const where = this.whereOf(search, p);
    const rows = await this.db.query<{ n: number | string }>(`SELECT count(*) AS n FROM resource r WHERE ${where}`, p.values);
    return Number(rows[0].n);
  }

  private whereOf(search: ParsedSearch, p: SqlParams): string {
    return [`r.type = ${p.add(search.resourceType)}`, 'NOT r.deleted', ...searchModule.criteriaSql(search, p, 'r'), ...((search as ScopedSearch).access?.(p, 'r') ?? [])].join(' AND ');
  }

  /**
   * Several searches' filters at once (no paging, sorting or includes): which ids each matches, in
   * one statement per 50 searches. Subscriptions match a write against all their criteria with it.
   */
  async matchMany(searches: { key: string; search: ParsedSearch }[]): Promise<{ key: string; id: string }[]> {
    const out: { key: string; id: string }[] = [];
    for (let i = 0; i < searches.length; i += 50) {
      const p = new SqlParams();
      const parts = searches.slice(i, i + 50).map(({ key, search }) => `SELECT ${p.add(key)}::text AS k, r.id FROM resource r WHERE ${this.whereOf(search, p)}`);
      out.push(...(await this.db.query<{ k: string; id: string }>(parts.join(' UNION ALL '), p.values)).map((r) => ({ key: r.k, id: r.id })));
    }
    return out;
  }

  async search(search: ParsedSearch): Promise<SearchResult> {
    const wantTotal = search.total === 'accurate' || search.total === 'estimate' || search.total === undefined;
    if (search.summary === 'count') return { entries: [], total: await this.count(search) };

    const p = new SqlParams();
    const where = this.whereOf(search, p);
    const sorts: SortExpression[] = [...searchModule.sortSql(search, p, 'r'), { sql: 'r.rid', sqlType: 'numeric', descending: false }];
    const cursor = search.cursor ? decodeCursor(search.cursor, sorts.length) : undefined;
    const backwards = cursor?.direction === 'previous';
    const select = sorts.map((s, i) => `${s.sql} AS s${i}`).join(', ');
    const order = sorts.map((s, i) => `s${i} ${s.descending !== backwards ? 'DESC' : 'ASC'} NULLS ${s.descending !== backwards ? 'FIRST' : 'LAST'}`).join(', ');
    const keyset = cursor ? `WHERE ${keysetCondition(sorts, cursor.values, backwards, p)}` : '';
    const limit = search.count + 1;
    const rows = search.count === 0 ? [] : await this.db.query<Record<string, unknown> & { content: string; type: string; id: string; rid: number }>(
      `SELECT * FROM (SELECT r.rid, r.type, r.id, r.content, ${select} FROM resource r WHERE ${where}) q ${keyset} ORDER BY ${order} LIMIT ${limit}`,
      p.values,
    );
    const more = rows.length > search.count;
    const page = more ? rows.slice(0, search.count) : rows;
    if (backwards) page.reverse();
    const valuesOf = (row: Record<string, unknown>) => sorts.map((s, i) => normaliseSortValue(row[`s${i}`]));

    const result: SearchResult = {
      entries: page.map((r) => ({ json: r.content, type: r.type, id: r.id, mode: 'match' as const })),
    };
    if (page.length) {
      const last = page[page.length - 1];
      const first = page[0];
      if (backwards ? true : more) result.nextCursor = encodeCursor('next', valuesOf(last));
      if (backwards ? more : !!cursor) result.previousCursor = encodeCursor('previous', valuesOf(first));
    } else if (cursor) {
      // Past the end (or before the start): offer the way back.
      result.previousCursor = backwards ? undefined : search.cursor?.replace(/^n/, 'p');
    }
    if (wantTotal && search.total !== 'none') {
      result.total = !cursor && !more ? page.length : await this.count(search);
    }
    if (page.length && (search.include.length || search.revinclude.length)) {
      result.entries.push(...(await this.includes(search, page.map((r) => ({ rid: Number(r.rid), type: r.type, id: r.id })))));
    }
    return result;
  }

  /** `_include` and `_revinclude`, with `:iterate` followed one more level. */
  private async includes(search: ParsedSearch, matches: { rid: number; type: string; id: string }[]): Promise<SearchMatch[]> {
    const seen = new Set(matches.map((m) => keyOf(m.type, m.id)));
    const out: SearchMatch[] = [];
    let frontier = matches;
    for (let level = 0; level < 2 && frontier.length; level++) {
      const added: { rid: number; type: string; id: string }[] = [];
      const incs = level === 0 ? search.include : search.include.filter((i) => i.iterate);
      const revs = level === 0 ? search.revinclude : search.revinclude.filter((i) => i.iterate);
      for (const inc of incs) {
        const sources = frontier.filter((f) => inc.sourceType === '*' || f.type === inc.sourceType);
        if (!sources.length) continue;
        const params: unknown[] = [sources.map((s) => s.rid)];
        let cond = '';
        if (inc.param !== '*') {
          params.push(inc.param);
          cond += ` AND t.param = $${params.length}`;
        }
        if (inc.targetType) {
          params.push(inc.targetType);
          cond += ` AND t.target_type = $${params.length}`;
        }
        const rows = await this.db.query<{ rid: number; type: string; id: string; content: string }>(
          `SELECT r.rid, r.type, r.id, r.content FROM resource r
           WHERE NOT r.deleted AND (r.type, r.id) IN (
             SELECT t.target_type, t.target_id FROM sp_reference t WHERE t.rid = ANY($1::bigint[])${cond} AND t.target_id IS NOT NULL)${accessSql(search, params)}`,
          params,
        );
        for (const r of rows) this.addInclude(r, seen, out, added);
      }
      for (const rev of revs) {
        const params: unknown[] = [frontier.map((f) => f.type), frontier.map((f) => f.id)];
        let cond = '';
        if (rev.sourceType !== '*') {
          params.push(rev.sourceType);
          cond += ` AND t.type = $${params.length}`;
        }
        if (rev.param !== '*') {
          params.push(rev.param);
          cond += ` AND t.param = $${params.length}`;
        }
        const rows = await this.db.query<{ rid: number; type: string; id: string; content: string }>(
          `SELECT r.rid, r.type, r.id, r.content FROM resource r WHERE NOT r.deleted AND r.rid IN (
             SELECT t.rid FROM sp_reference t
             WHERE (t.target_type, t.target_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))${cond})${accessSql(search, params)}`,
          params,
        );
        for (const r of rows) this.addInclude(r, seen, out, added);
      }
      frontier = added;
    }
    return out;
  }

  private addInclude(r: { rid: number; type: string; id: string; content: string }, seen: Set<string>, out: SearchMatch[], added: { rid: number; type: string; id: string }[]) {
    const k = keyOf(r.type, r.id);
    if (seen.has(k)) return;
    seen.add(k);
    out.push({ json: r.content, type: r.type, id: r.id, mode: 'include' });
    added.push({ rid: Number(r.rid), type: r.type, id: r.id });
  }

  // ---- history ----------------------------------------------------------------------------------

  async history(o: HistoryOptions): Promise<HistoryPage> {
    const p = new SqlParams();
    const where: string[] = [];
    if (o.type) where.push(`v.type = ${p.add(o.type)}`);
    if (o.id) where.push(`v.id = ${p.add(o.id)}`);
    if (o.since) where.push(`v.last_updated >= ${p.add(o.since)}::timestamptz`);
    if (o.at) where.push(`v.last_updated <= ${p.add(o.at)}::timestamptz`);
    const base = where.length ? where.join(' AND ') : 'true';
    let keyset = '';
    if (o.cursor) {
      const c = decodeCursor(o.cursor, 3);
      keyset = ` AND (v.last_updated, v.rid, v.version) < (${p.add(c.values[0])}::timestamptz, ${p.add(c.values[1])}::bigint, ${p.add(c.values[2])}::int)`;
    }
    const rows = await this.db.query<{ rid: number; type: string; id: string; version: number; last_updated: Date; method: string; deleted: boolean; content: string | null }>(
      `SELECT v.rid, v.type, v.id, v.version, v.last_updated, v.method, v.deleted, v.content FROM resource_version v
       WHERE ${base}${keyset} ORDER BY v.last_updated DESC, v.rid DESC, v.version DESC LIMIT ${o.count + 1}`,
      p.values,
    );
    const more = rows.length > o.count;
    const page = more ? rows.slice(0, o.count) : rows;
    const entries: HistoryEntry[] = page.map((r) => ({
      type: r.type, id: r.id, versionId: String(r.version), lastUpdated: toIso(r.last_updated),
      method: r.method as HistoryEntry['method'], deleted: r.deleted, json: r.content ?? undefined,
    }));
    const out: HistoryPage = { entries };
    if (more) {
      const last = page[page.length - 1];
      out.nextCursor = encodeCursor('next', [toIso(last.last_updated), String(last.rid), String(last.version)]);
    }
    if (!o.cursor) {
      if (!more) out.total = page.length;
      else {
        // First page only: p holds just the filter's values (no cursor), so the filter is reused as is.
        const n = await this.db.query<{ n: number | string }>(`SELECT count(*) AS n FROM resource_version v WHERE ${base}`, p.values);
        out.total = Number(n[0].n);
      }
    }
    return out;
  }

  async transaction<T>(fn: (repo: Repository) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    return this.db.transaction((tx) => fn(new PostgresRepository(tx, true)));
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

// ---- keyset cursors -----------------------------------------------------------------------------

type CursorValue = string | null;

function normaliseSortValue(v: unknown): CursorValue {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

export function encodeCursor(direction: 'next' | 'previous', values: CursorValue[]): string {
  return (direction === 'next' ? 'n' : 'p') + Buffer.from(JSON.stringify(values)).toString('base64url');
}

function decodeCursor(cursor: string, expected: number): { direction: 'next' | 'previous'; values: CursorValue[] } {
  try {
    const direction = cursor[0] === 'n' ? 'next' : cursor[0] === 'p' ? 'previous' : undefined;
    const values = JSON.parse(Buffer.from(cursor.slice(1), 'base64url').toString('utf8')) as unknown;
    if (!direction || !Array.isArray(values) || values.length !== expected || values.some((v) => v !== null && typeof v !== 'string')) throw new Error('shape');
    return { direction, values: values as CursorValue[] };
  } catch {
    throw badRequest('The paging cursor (_cursor) is not valid for this search; start again from the first page', undefined, 'invalid');
  }
}

/**
 * Rows strictly after (or, going backwards, before) the cursor in the sort order. Each key sorts with
 * NULLs last when ascending and first when descending (PostgreSQL's defaults), mirrored backwards.
 */
function keysetCondition(sorts: SortExpression[], values: CursorValue[], backwards: boolean, p: SqlParams): string {
  const ors: string[] = [];
  for (let i = 0; i < sorts.length; i++) {
    const ands: string[] = [];
    for (let j = 0; j < i; j++) {
      const v = values[j];
      ands.push(v === null ? `s${j} IS NULL` : `s${j} = ${p.add(v)}::${sorts[j].sqlType}`);
    }
    const s = sorts[i];
    const v = values[i];
    const descending = s.descending !== backwards;
    // Ascending: NULLS LAST, so after v come bigger values then NULLs; after NULL, nothing.
    // Descending: NULLS FIRST, so after NULL come all non-null values; after v, smaller values.
    let after: string;
    if (!descending) after = v === null ? 'false' : `(s${i} > ${p.add(v)}::${s.sqlType} OR s${i} IS NULL)`;
    else after = v === null ? `s${i} IS NOT NULL` : `s${i} < ${p.add(v)}::${s.sqlType}`;
    ands.push(after);
    ors.push(`(${ands.join(' AND ')})`);
  }
  return `(${ors.join(' OR ')})`;
}

/**
 * Parsed resource versions, shared read-only by the rule engine's context gathering: a version never
 * changes, so a member's history is parsed once, not on every $validate. Least recently used
 * versions are dropped beyond the bound. Callers must not mutate what they get back.
 *
 * The bound is also live heap that every full garbage collection must mark. Just after ingesting
 * 30,000 resources, a server with a bound of 50,000 held about 200 MB live, against 110-140 MB at
 * 2,000. At 500 validations a second, its longest event-loop delay per 20-second window was
 * 54-118 ms in four windows of six, against at most 36 ms at 2,000. 10,000 versions still hold
 * the histories of about 20 members with a full year each (about 450 versions each).
 */
const PARSED_CACHE_LIMIT = 10_000;
const parsedCache = new Map<string, Resource>();
function parsedVersion(type: string, id: string, version: number, content: string): Resource {
  const key = `${type}/${id}/${version}`;
  const hit = parsedCache.get(key);
  if (hit) {
    parsedCache.delete(key);
    parsedCache.set(key, hit);
    return hit;
  }
  const r = deepFreeze(JSON.parse(content) as Resource);
  parsedCache.set(key, r);
  if (parsedCache.size > PARSED_CACHE_LIMIT) parsedCache.delete(parsedCache.keys().next().value!);
  return r;
}

