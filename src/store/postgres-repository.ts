/**
 * The PostgreSQL repository (PGlite or a server). Writes are batched: a transaction Bundle of N
 * resources costs a fixed handful of statements (array parameters through `unnest`), not N round
 * trips. Search pages by keyset (sort values + rid), never OFFSET, so links stay correct while
 * others write.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { ParsedSearch, IndexRows } from '../fhir/search/types';
import { search as searchModule } from '../fhir/search';
import { criteriaSql, sortSql, type SortExpression } from './postgres/search-sql';
import { literalReferences } from '../fhir/literal-references';

export { literalReferences };
import { conflict, gone, notFound, preconditionFailed, badRequest } from '../outcomes';
import type { SqlClient } from './sql';
import { SqlParams } from './sql';
import type {
  Change, ChangeFeed, HistoryEntry, HistoryOptions, HistoryPage, Repository, Resource, SearchMatch, SearchResult, StoredRaw, WriteOp, WriteResult,
} from './repository';
import { deepFreeze } from '../deep-freeze';
import { analyzeIfDue, analyzeSettled, countWritten } from './auto-analyze';
import { changeRefsStatement, changesStatement, readManyStatement, readStatement, referencingStatement, vreadStatement, type Statement } from './hot-queries';

/** Reads kept for the rest of a transaction (Repository.transactionCache), per transaction client. */
const transactionCaches = new WeakMap<SqlClient, Map<string, unknown>>();

const INDEX_TABLES = ['sp_token', 'sp_string', 'sp_date', 'sp_number', 'sp_quantity', 'sp_reference', 'sp_uri', 'resource_ref'] as const;

/**
 * A search limited by access control (src/auth): extra SQL conditions over an alias for every row it
 * returns — matches, totals and includes — and for every resource a chain or `_has` reads.
 */
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

/**
 * The normalised condition of a conditional write: the type and its search parameters sorted by
 * name then value (as decoded), without `_format`/`_pretty`. The same condition sent as an
 * If-None-Exist header, a conditional URL or a Bundle entry's `ifNoneExist` gives the same key.
 */
export function conditionKey(type: string, params: [string, string][]): string {
  const real = params.filter(([k]) => k !== '_format' && k !== '_pretty');
  const sorted = [...real].sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  return `${type}?${new URLSearchParams(sorted).toString()}`;
}

/** A signed 64-bit advisory lock key (as decimal text) for a condition key: the first 8 bytes of its SHA-256. */
export function advisoryLockKey(key: string): string {
  return createHash('sha256').update(`prss-condition:${key}`).digest().readBigInt64BE(0).toString();
}

/** More condition locks than this in one call take the lock on all conditions instead (see lockConditions). */
export const CONDITION_LOCKS_MAX = 64;
const ALL_CONDITIONS = advisoryLockKey('*');

/** Write attempts when new client-chosen ids are taken concurrently (see writeOnce). */
const UNBORN_ATTEMPTS = 5;
class UnbornTaken extends Error {}

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
    const q = readStatement(type, id);
    const rows = await this.db.query<{ version: number; last_updated: Date; deleted: boolean; content: string | null }>(q.text, q.params, q.name);
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
    const q = vreadStatement(type, id, Number(versionId));
    const rows = await this.db.query<{ version: number; last_updated: Date; deleted: boolean; content: string | null }>(q.text, q.params, q.name);
    const row = rows[0];
    if (!row) throw notFound(`${type}/${id} has no version ${versionId}`);
    if (row.deleted || row.content === null) throw gone(`${type}/${id} version ${versionId} is a deletion`);
    return { json: row.content, versionId: String(row.version), lastUpdated: toIso(row.last_updated) };
  }

  async readMany(keys: string[]): Promise<Resource[]> {
    if (keys.length === 0) return [];
    const q = readManyStatement(keys);
    const rows = await this.db.query<{ type: string; id: string; version: number; content: string }>(q.text, q.params);
    return rows.map((r) => parsedVersion(r.type, r.id, r.version, r.content));
  }

  async referencing(targets: string[], types?: string[], options: { encounterWindow?: { from: string; to: string } } = {}): Promise<Resource[]> {
    if (targets.length === 0) return [];
    const q = referencingStatement(targets, types, options.encounterWindow);
    const rows = await this.db.query<{ type: string; id: string; version: number; content: string }>(q.text, q.params);
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
      // One statement, so one snapshot (see changesStatement).
      async changes(since, limit) {
        const q = changesStatement(since ?? null, limit);
        const rows = await db.query<{ xmin: string; rid: number | null; type: string | null; id: string | null }>(q.text, q.params, q.name);
        const changed = rows.filter((r) => r.rid !== null && r.type && r.id);
        const overflow = changed.length > limit;
        const refs = new Map<number, string[]>();
        if (changed.length && !overflow) {
          const rids = [...new Set(changed.map((r) => Number(r.rid)))];
          const q = changeRefsStatement(rids);
          for (const r of await db.query<{ rid: number; target_type: string; target_id: string }>(q.text, q.params, q.name)) {
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
    if (!this.inTransaction) return this.transaction((tx) => tx.write(ops));
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.writeOnce(ops, attempt < UNBORN_ATTEMPTS);
      } catch (e) {
        if (!(e instanceof UnbornTaken)) throw e;
        // Another transaction committed one of the new ids first: look again, that one is now an update.
        await this.db.query('ROLLBACK TO SAVEPOINT prss_unborn');
      }
    }
  }

  /**
   * One attempt. An update that creates (a client-chosen id not stored yet) has no row to lock, so
   * two such requests for one id may both find nothing; the second INSERT then waits for the first
   * transaction and fails on the unique key once it commits. Its rows are inserted behind a
   * savepoint, so that failure is undone alone (`UnbornTaken`) and the write is computed again,
   * seeing the committed row: the first creates, the next update it, none is refused.
   */
  private async writeOnce(ops: WriteOp[], mayRetry: boolean): Promise<WriteResult[]> {
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
    const current = async (keys: { type: string; id: string }[]) => {
      const rows = await this.db.query<CurrentRow>(
        `SELECT rid, type, id, version, deleted FROM resource
         WHERE (type, id) IN (SELECT * FROM unnest($1::text[], $2::text[])) FOR UPDATE`,
        [keys.map((t) => t.type), keys.map((t) => t.id)],
      );
      for (const r of rows) existing.set(keyOf(r.type, r.id), r);
    };
    await current(targets);

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
      // Server-assigned ids (random UUIDs, creates) cannot be taken by anyone else: no savepoint for them.
      const unborn = mayRetry && inserts.some((r) => r.method !== 'POST');
      if (unborn) await this.db.query('SAVEPOINT prss_unborn');
      try {
        rows = await this.db.query<{ rid: number; type: string; id: string }>(
          `INSERT INTO resource (type, id, version, last_updated, deleted, content)
           SELECT t, i, v, $4::timestamptz, false, c FROM unnest($1::text[], $2::text[], $3::int[], $5::text[]) AS x(t, i, v, c)
           RETURNING rid, type, id`,
          [inserts.map((r) => r.type), inserts.map((r) => r.id), inserts.map((r) => r.version), now, inserts.map((r) => r.content)],
        );
      } catch (e) {
        if ((e as { code?: string }).code === '23505') {
          if (unborn) throw new UnbornTaken();
          throw conflict('A resource with the same id was created concurrently; retry the request');
        }
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

    countWritten(this.db, 'resource', all.length);
    countWritten(this.db, 'resource_version', all.length);

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
      countWritten(this.db, table as 'sp_token', data[0].length);
      const args = data.map((_, i) => `$${i + 1}::${['bigint', 'text', 'text', ...casts][i]}[]`).join(', ');
      await this.db.query(`INSERT INTO ${table} (rid, type, param, ${columns.join(', ')}) SELECT * FROM unnest(${args})`, data);
    };
    // grp: the composite element a row belongs to (null for plain parameters).
    await run('sp_token', ['system', 'code', 'text_value', 'grp'], ['text', 'text', 'text', 'integer'], cols('token', (r) => [r.system, r.code, r.text, r.grp ?? null]));
    await run('sp_string', ['value', 'exact_value', 'grp'], ['text', 'text', 'integer'], cols('string', (r) => [r.value, r.exact, r.grp ?? null]));
    await run('sp_date', ['lo', 'hi', 'grp'], ['timestamptz', 'timestamptz', 'integer'], cols('date', (r) => [r.lo, r.hi, r.grp ?? null]));
    await run('sp_number', ['value', 'grp'], ['numeric', 'integer'], cols('number', (r) => [r.value, r.grp ?? null]));
    await run('sp_quantity', ['value', 'system', 'code', 'grp'], ['numeric', 'text', 'text', 'integer'], cols('quantity', (r) => [r.value, r.system, r.code, r.grp ?? null]));
    await run('sp_reference', ['target_type', 'target_id', 'url', 'grp'], ['text', 'text', 'text', 'integer'], cols('reference', (r) => [r.targetType, r.targetId, r.url, r.grp ?? null]));
    await run('sp_uri', ['value', 'grp'], ['text', 'integer'], cols('uri', (r) => [r.value, r.grp ?? null]));
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
      countWritten(this.db, 'resource_ref', refs[0].length);
      await this.db.query('INSERT INTO resource_ref (rid, type, target_type, target_id) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[])', refs);
    }
  }

  // ---- search -----------------------------------------------------------------------------------

  async count(search: ParsedSearch): Promise<number> {
    const p = new SqlParams();
    const where = this.whereOf(search, p);
    const rows = await this.db.query<{ n: number | string }>(`SELECT count(*) AS n FROM resource r WHERE ${where}`, p.values);
    return Number(rows[0].n);
  }

  private whereOf(search: ParsedSearch, p: SqlParams): string {
    const access = (search as ScopedSearch).access;
    // A system-level search (`*`) covers the types of `_type`, or every type.
    const type = search.resourceType !== '*' ? [`r.type = ${p.add(search.resourceType)}`] : search.types ? [`r.type = ANY(${p.add(search.types)}::text[])`] : [];
    return [...type, 'NOT r.deleted', ...criteriaSql(search, p, 'r', access), ...(access?.(p, 'r') ?? [])].join(' AND ');
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

  /** The page query of a search (one page past the cursor, one row more than asked to know if there are more); also explained by the plan test. */
  searchStatement(search: ParsedSearch): { statement: Statement; sorts: SortExpression[]; cursor?: ReturnType<typeof decodeCursor>; backwards: boolean } {
    const p = new SqlParams();
    const where = this.whereOf(search, p);
    const sorts: SortExpression[] = [...sortSql(search, p, 'r'), { sql: 'r.rid', sqlType: 'numeric', descending: false }];
    const cursor = search.cursor ? decodeCursor(search.cursor, sorts.length) : undefined;
    const backwards = cursor?.direction === 'previous';
    const select = sorts.map((s, i) => `${s.sql} AS s${i}`).join(', ');
    const order = sorts.map((s, i) => `s${i} ${s.descending !== backwards ? 'DESC' : 'ASC'} NULLS ${s.descending !== backwards ? 'FIRST' : 'LAST'}`).join(', ');
    const keyset = cursor ? `WHERE ${keysetCondition(sorts, cursor.values, backwards, p)}` : '';
    const limit = search.count + 1;
    const text = `SELECT * FROM (SELECT r.rid, r.type, r.id, r.content, ${select} FROM resource r WHERE ${where}) q ${keyset} ORDER BY ${order} LIMIT ${limit}`;
    return { statement: { text, params: p.values }, sorts, cursor, backwards };
  }

  async search(search: ParsedSearch): Promise<SearchResult> {
    const wantTotal = search.total === 'accurate' || search.total === 'estimate' || search.total === undefined;
    if (search.summary === 'count') return { entries: [], total: await this.count(search) };

    const { statement, sorts, cursor, backwards } = this.searchStatement(search);
    const rows = search.count === 0 ? [] : await this.db.query<Record<string, unknown> & { content: string; type: string; id: string; rid: number }>(statement.text, statement.params);
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
    if (o.types) where.push(`v.type = ANY(${p.add(o.types)}::text[])`);
    if (o.id) where.push(`v.id = ${p.add(o.id)}`);
    if (o.since) where.push(`v.last_updated >= ${p.add(o.since)}::timestamptz`);
    if (o.at) {
      // Current during [from, to]: written by its end, and not replaced by a next version before its start.
      where.push(`v.last_updated <= ${p.add(o.at.to)}::timestamptz`);
      where.push(`NOT EXISTS (SELECT 1 FROM resource_version n WHERE n.rid = v.rid AND n.version = v.version + 1 AND n.last_updated <= ${p.add(o.at.from)}::timestamptz)`);
    }
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

  async lockConditions(keys: string[]): Promise<void> {
    if (!this.inTransaction) throw new Error('lockConditions needs a transaction: the locks last until it ends');
    if (keys.length === 0) return;
    const locks = [...new Set(keys.map(advisoryLockKey))].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    // Each lock takes a slot of PostgreSQL's shared lock table (about max_locks_per_transaction x
    // max_connections in all): a Bundle of thousands of conditional entries would run out of them
    // ("out of shared memory"). Beyond CONDITION_LOCKS_MAX it takes the one lock on every condition
    // exclusively instead; every smaller set holds that lock shared first. The order is always
    // that lock, then the keys ascending, so two transactions cannot wait on each other in a circle.
    if (locks.length > CONDITION_LOCKS_MAX) {
      await this.db.query('SELECT pg_advisory_xact_lock($1::bigint)', [ALL_CONDITIONS], 'prss_lock_all_conditions');
      return;
    }
    // The CTE is read before any row of the outer query is formed: the shared lock comes first.
    await this.db.query(
      `WITH every AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared($1::bigint) AS x)
       SELECT pg_advisory_xact_lock(s.k) FROM every, (SELECT k FROM unnest($2::bigint[]) AS u(k) ORDER BY k) s`,
      [ALL_CONDITIONS, locks],
      'prss_lock_conditions',
    );
  }

  async transaction<T>(fn: (repo: Repository) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    const out = await this.db.transaction((tx) => fn(new PostgresRepository(tx, true))).catch((e: unknown) => {
      throw retryable(e) ?? e;
    });
    // Committed: statistics of the tables it grew past their threshold are refreshed in the background.
    analyzeIfDue(this.db);
    return out;
  }

  async close(): Promise<void> {
    await analyzeSettled(this.db);
    await this.db.close();
  }
}

/**
 * A transaction PostgreSQL ended to break a deadlock or a serialization conflict was rolled back
 * whole; the same request sent again can succeed. 409, not a server error.
 */
function retryable(e: unknown) {
  const code = (e as { code?: unknown })?.code;
  if (code === '40P01') return conflict('The request conflicted with another one writing the same resources at the same time and was rolled back; nothing was stored, send it again');
  if (code === '40001') return conflict('The request could not be serialized with concurrent writes and was rolled back; nothing was stored, send it again');
  return undefined;
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

