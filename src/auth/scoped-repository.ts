/**
 * The repository as one client sees it: searches, counts and includes carry the tenancy SQL; reads
 * of a resource outside the client's data answer 404 (not 403, so that existence is not confirmed);
 * every write is checked for role, scope and tenancy inside its transaction — the stored versions
 * before and the written ones after — so transactions, conditional writes and operations are covered.
 *
 * Scopes apply to every resource a search returns, not only to the type searched: an `_include`,
 * `_revinclude` or `:iterate` brings a resource of another type only when the token may read that
 * type (`r`), and history across types keeps to the readable types. An out-of-scope included
 * resource is left out silently (the search itself was allowed); a direct read of a type outside the
 * scopes stays a 403 (src/auth/guard.ts).
 *
 * readMany and referencing are not filtered: they serve the rule engine, whose findings must count
 * every record of a member (unit limits, caseloads), whoever wrote them.
 */
import { writerContext } from '../subscriptions/writer';
import { forbidden, notFound } from '../outcomes';
import type { AccessPolicy, AuthContext } from '../fhir/types';
import { literalReferences, type ScopedSearch } from '../store/postgres-repository';
import type { ChangeFeed, HistoryOptions, HistoryPage, Repository, Resource, SearchResult, StoredRaw, WriteOp, WriteResult } from '../store/repository';
import { SqlParams, type SqlClient } from '../store/sql';
import type { ParsedSearch } from '../fhir/search/types';
import { resourceTypes } from '../fhir/search';
import { sqlOf } from './policy';
import { parseScopes, typesAllowed } from './scopes';

type WriteAware = AccessPolicy & {
  writeFilter?: (auth: AuthContext, p: SqlParams, alias: string) => string[];
  unattachablePatients?: (auth: AuthContext, ids: string[], sql: SqlClient) => Promise<string[]>;
};

export class ScopedRepository implements Repository {
  /** The types the token may read (`r`), or '*' for all. */
  private readonly readable: '*' | string[];

  constructor(readonly inner: Repository, readonly auth: AuthContext, private readonly policy: WriteAware) {
    // No token (a policy that serves anonymous callers): the policy alone decides what is seen.
    this.readable = (auth as AuthContext | undefined) ? typesAllowed(parseScopes(auth.scopes), 'r') : '*';
  }

  /** SQL over alias: the row is of the searched type (its search was allowed) or of a type the token may read. */
  private scopeSql(searchType: string, p: SqlParams, alias: string): string[] {
    if (this.readable === '*') return [];
    return [`${alias}.type = ANY(${p.add([...new Set([searchType, ...this.readable])])}::text[])`];
  }

  get kind() {
    return this.inner.kind;
  }

  get sql(): SqlClient {
    return sqlOf(this.inner);
  }

  private async visible(type: string, id: string): Promise<boolean> {
    const p = new SqlParams();
    const conds = this.policy.searchFilter(this.auth, type, p, 'r');
    if (!conds.length) return true;
    const rows = await this.sql.query(`SELECT 1 FROM resource r WHERE r.type = ${p.add(type)} AND r.id = ${p.add(id)} AND ${conds.join(' AND ')}`, p.values);
    return rows.length > 0;
  }

  /** Whether the stored resource is one the client may write (its own records); true for roles that see everything. */
  async owns(type: string, id: string): Promise<boolean> {
    if (this.auth.role === 'admin' || this.auth.role === 'warehouse' || !this.policy.writeFilter) return true;
    const p = new SqlParams();
    const conds = this.policy.writeFilter(this.auth, p, 'r');
    if (!conds.length) return true;
    const rows = await this.sql.query(`SELECT 1 FROM resource r WHERE r.type = ${p.add(type)} AND r.id = ${p.add(id)} AND NOT r.deleted AND ${conds.join(' AND ')}`, p.values);
    return rows.length > 0;
  }

  async readRaw(type: string, id: string): Promise<StoredRaw> {
    const raw = await this.inner.readRaw(type, id);
    if (!(await this.visible(type, id))) throw notFound(`${type}/${id} is not known`);
    return raw;
  }

  async read<T extends Resource = Resource>(type: string, id: string): Promise<T> {
    return JSON.parse((await this.readRaw(type, id)).json) as T;
  }

  async vreadRaw(type: string, id: string, versionId: string): Promise<StoredRaw> {
    const raw = await this.inner.vreadRaw(type, id, versionId);
    if (!(await this.visible(type, id))) throw notFound(`${type}/${id} has no version ${versionId}`);
    return raw;
  }

  readMany(keys: string[]): Promise<Resource[]> {
    return this.inner.readMany(keys);
  }

  referencing(targets: string[], types?: string[], options?: Parameters<Repository['referencing']>[2]): Promise<Resource[]> {
    return this.inner.referencing(targets, types, options);
  }

  changeFeed(): ChangeFeed | undefined {
    return this.inner.changeFeed();
  }

  transactionCache(): Map<string, unknown> | undefined {
    return this.inner.transactionCache();
  }

  lockConditions(keys: string[]): Promise<void> {
    return this.inner.lockConditions(keys);
  }

  private allowed(type: string): boolean {
    try {
      this.policy.assertAllowed(this.auth, 'search', type);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The search with the client's tenancy over its rows and over every resource its chains and
   * `_has` read (tenancySql judges a row by its own type), after checking the client may search
   * each type those read: a chain must not reveal what a direct search would not.
   */
  private scoped(search: ParsedSearch): ScopedSearch {
    for (const type of search.related ?? []) this.policy.assertAllowed(this.auth, 'search', type);
    if (search.resourceType === '*') {
      // Across types: each type named in _type must be searchable by the client; without _type,
      // the search covers the types it may search.
      if (search.types) for (const type of search.types) this.policy.assertAllowed(this.auth, 'search', type);
      else search = { ...search, types: resourceTypes().filter((type) => this.allowed(type)) };
    }
    const searchType = search.resourceType;
    return { ...search, access: (p, alias) => [...this.policy.searchFilter(this.auth, searchType, p, alias), ...this.scopeSql(searchType, p, alias)] };
  }

  search(search: ParsedSearch): Promise<SearchResult> {
    return this.inner.search(this.scoped(search));
  }

  count(search: ParsedSearch): Promise<number> {
    return this.inner.count(this.scoped(search));
  }

  history(options: HistoryOptions): Promise<HistoryPage> {
    // One type: the guard has checked it may be read. Across types: only those the token may read.
    if (options.type || this.readable === '*') return this.inner.history(options);
    const types = options.types ? options.types.filter((t) => this.readable.includes(t)) : this.readable;
    return this.inner.history({ ...options, types });
  }

  async write(ops: WriteOp[]): Promise<WriteResult[]> {
    const typeOf = (op: WriteOp) => (op.kind === 'delete' ? op.type : op.resource.resourceType);
    for (const op of ops) this.policy.assertAllowed(this.auth, op.kind, typeOf(op));
    return this.inner.transaction(async (tx) => {
      const sql = sqlOf(tx);
      // The stored versions an update or delete replaces must be the client's to change.
      await this.checkWritable(sql, ops.filter((op) => op.kind === 'delete' || (op.kind === 'update' && op.resource.id)).map((op) => ({ type: typeOf(op), id: op.kind === 'delete' ? op.id : op.resource.id! })), 'change');
      // Members named by the new versions must already be the client's, or nobody's yet (or written here).
      if (this.policy.unattachablePatients) {
        const writtenPatients = new Set(ops.filter((op) => op.kind !== 'delete' && op.resource.resourceType === 'Patient').map((op) => (op as { resource: Resource }).resource.id));
        const named = ops.flatMap((op) => (op.kind === 'delete' ? [] : literalReferences(op.resource)))
          .filter((k) => k.startsWith('Patient/')).map((k) => k.slice(8)).filter((id) => !writtenPatients.has(id));
        const refused = await this.policy.unattachablePatients(this.auth, named, sql);
        if (refused.length) throw forbidden(`Client '${this.auth.clientId}' may not write records of Patient/${refused.slice(0, 5).join(', Patient/')}: another organization serves them`);
      }
      const results = await writerContext.run({ auth: this.auth }, () => tx.write(ops));
      results.forEach((r, i) => {
        if (r.created && ops[i].kind === 'update') this.policy.assertAllowed(this.auth, 'create', r.type);
      });
      // What was written must lie within the client's data. A new Patient is the exception: no
      // organization serves a member before the first session, plan or claim names them.
      const written = results.filter((r, i) => ops[i].kind !== 'delete' && !(r.created && r.type === 'Patient'));
      await this.checkWritable(sql, written, 'write');
      return results;
    });
  }

  private async checkWritable(sql: SqlClient, keys: { type: string; id: string }[], verb: string): Promise<void> {
    if (!keys.length || !this.policy.writeFilter) {
      if (keys.length && !this.policy.writeFilter) await Promise.all(keys.map((k) => this.policy.assertResource(this.auth, { resourceType: k.type, id: k.id }, this)));
      return;
    }
    const p = new SqlParams();
    const types = p.add(keys.map((k) => k.type));
    const ids = p.add(keys.map((k) => k.id));
    const conds = this.policy.writeFilter(this.auth, p, 'r');
    if (!conds.length) return;
    const rows = await sql.query<{ type: string; id: string }>(
      `SELECT r.type, r.id FROM resource r WHERE (r.type, r.id) IN (SELECT * FROM unnest(${types}::text[], ${ids}::text[])) AND NOT r.deleted AND NOT (${conds.join(' AND ')}) LIMIT 5`,
      p.values,
    );
    if (rows.length) {
      throw forbidden(`Client '${this.auth.clientId}' may not ${verb} ${rows.map((r) => `${r.type}/${r.id}`).join(', ')}: outside the data of ${this.auth.organization ?? 'its role'}`);
    }
  }

  transaction<T>(fn: (repo: Repository) => Promise<T>): Promise<T> {
    return this.inner.transaction((tx) => fn(tx instanceof ScopedRepository ? tx : new ScopedRepository(tx, this.auth, this.policy)));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
