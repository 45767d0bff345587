/**
 * The one SQL surface the store uses: PostgreSQL, either embedded (PGlite, WASM, in process) or a
 * server through `pg`. Both speak the same dialect and take `$1` parameters.
 */
import { PGlite } from '@electric-sql/pglite';
import { Pool, type PoolClient, types as pgTypes } from 'pg';

export interface SqlClient {
  /**
   * `prepare` names a hot statement whose text never changes (one name, one text): PostgreSQL then
   * parses and plans it once per connection and later calls only bind and execute it. Measured on
   * the change-feed poll: about a third of the database's CPU per call and half the round trip.
   * PGlite, in process, ignores the name.
   */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[], prepare?: string): Promise<T[]>;
  /** Runs fn inside one database transaction; rolls back if it throws. Nested calls reuse the outer one. */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  /** Several statements, no parameters (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
  readonly kind: 'pglite' | 'postgres';
  /** The database behind this client (the same object for a transaction's client and its parent). */
  readonly root: object;
}

/** Parameter collector for building SQL: p.add(v) returns `$n`. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

// ---- PGlite -------------------------------------------------------------------------------------

type PGliteTx = Parameters<Parameters<PGlite['transaction']>[0]>[0];

class PGliteClient implements SqlClient {
  readonly kind = 'pglite' as const;
  constructor(private readonly db: PGlite | PGliteTx, readonly root: PGlite, private readonly inTx = false) {}

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const res = await this.db.query<T>(sql, params);
    return res.rows;
  }
  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }
  async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    if (this.inTx) return fn(this);
    return this.root.transaction((tx) => fn(new PGliteClient(tx, this.root, true)));
  }
  async close(): Promise<void> {
    if (!this.inTx && !this.root.closed) await this.root.close();
  }
}

/** dataDir undefined = in memory. `loadDataDir` restores a dumped database (tests use a migrated template). */
export async function openPGlite(dataDir?: string, loadDataDir?: Blob): Promise<SqlClient> {
  const db = new PGlite({ dataDir, loadDataDir });
  await db.waitReady;
  return new PGliteClient(db, db);
}

export function pgliteOf(client: SqlClient): PGlite | undefined {
  return client instanceof PGliteClient ? client.root : undefined;
}

// ---- PostgreSQL server ---------------------------------------------------------------------------

// bigint (int8) and numeric as JS numbers: rids stay far below 2^53; numeric is parsed where needed.
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return (v: string) => Number(v);
    return pgTypes.getTypeParser(oid, format as 'text');
  },
};

class PgClient implements SqlClient {
  readonly kind = 'postgres' as const;
  constructor(private readonly pool: Pool, private readonly conn?: PoolClient) {}
  get root(): object {
    return this.pool;
  }

  async query<T>(sql: string, params: unknown[] = [], prepare?: string): Promise<T[]> {
    const res = await (this.conn ?? this.pool).query({ text: sql, values: params, types: typeParsers, ...(prepare ? { name: prepare } : {}) });
    return res.rows as T[];
  }
  async exec(sql: string): Promise<void> {
    await (this.conn ?? this.pool).query(sql);
  }
  async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    if (this.conn) return fn(this);
    const conn = await this.pool.connect();
    try {
      // Stated, not left to the server's default_transaction_isolation: conditional writes lock their
      // condition and then search, and need that search to see what the previous holder committed.
      await conn.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      const out = await fn(new PgClient(this.pool, conn));
      await conn.query('COMMIT');
      return out;
    } catch (e) {
      await conn.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      conn.release();
    }
  }
  async close(): Promise<void> {
    if (!this.conn) await this.pool.end();
  }
}

export async function openPostgres(url: string, schema = 'public', poolSize = 10): Promise<SqlClient> {
  // A connection attempt gives up after 10 s: a database host that stops answering must not hold
  // the pool's slots for ever (the server recovers, and /readyz turns back to 200, when it returns).
  const pool = new Pool({ connectionString: url, max: poolSize, options: `-c search_path=${schema}`, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => undefined); // idle client errors surface on the next query instead of crashing
  if (schema !== 'public') {
    const c = await pool.connect();
    try {
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      c.release();
    }
  }
  await pool.query('SELECT 1');
  return new PgClient(pool);
}
