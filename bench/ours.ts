/**
 * Our server, built exactly as main.ts and the whole-app tests build it (buildServer + a migrated
 * store), listening on a loopback port. PostgreSQL gets a fresh schema per run, dropped on close.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/http/logger';
import { buildServer } from '../src/server';
import { PostgresRepository, type Store } from '../src/store';
import { migrate } from '../src/store/migrations';
import { openPGlite, openPostgres, type SqlClient } from '../src/store/sql';

export type StoreKind = 'postgres' | 'pglite';

export interface OursStore {
  store: Store;
  kind: StoreKind;
  close(): Promise<void>;
}

export async function openBenchStore(kind: StoreKind, databaseUrl: string): Promise<OursStore> {
  let sql: SqlClient;
  let schema: string | undefined;
  if (kind === 'postgres') {
    schema = `bench_${randomBytes(5).toString('hex')}`;
    sql = await openPostgres(databaseUrl, schema, 10);
  } else {
    sql = await openPGlite();
  }
  await migrate(sql);
  return {
    kind,
    store: { repo: new PostgresRepository(sql), sql, description: kind === 'postgres' ? `postgres (schema ${schema})` : 'pglite (in memory)' },
    async close() {
      if (schema) await sql.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await sql.close();
    },
  };
}

/**
 * The same store with no change feed, so the rule engine gathers every context afresh (what every
 * call cost before the context cache): the comparison figure for the cache.
 */
export function withoutContextCache(store: Store): Store {
  const repo = Object.create(store.repo, { changeFeed: { value: () => undefined } }) as Store['repo'];
  return { ...store, repo };
}

export interface Listening {
  base: string;
  close(): Promise<void>;
}

/** An app over `store` with the given settings (defaults otherwise: profile validation on write, claim rules reported). */
export async function listenOurs(store: Store, env: Record<string, string> = {}): Promise<Listening> {
  // Auth off (allowed on loopback): the figures are of the FHIR server, not of token checks.
  const config = loadConfig({ DEMO: 'off', LOG_LEVEL: 'silent', HOST: '127.0.0.1', PORT: '0', AUTH: 'off', BUNDLE_MAX_ENTRIES: '1000', ...env });
  const app = await buildServer({ config, store, logger: createLogger('silent') });
  const server: Server = app.http.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  server.keepAliveTimeout = 30_000;
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`,
    async close() {
      await new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      });
      // The export worker and the audit recorder stop too: left running, they would poll a schema
      // the run drops next (and take CPU from the phases after this one).
      await app.close();
    },
  };
}
