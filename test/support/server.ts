/**
 * A whole app on the store this jest project tests (TEST_STORE): an in-memory PGlite, or a schema
 * of its own on the PostgreSQL server, dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/http/logger';
import { buildServer, type ServerOptions } from '../../src/server';
import { PostgresRepository } from '../../src/store';
import { migrate } from '../../src/store/migrations';
import { analyzeSettled } from '../../src/store/auto-analyze';
import { openPGlite, openPostgres, pgliteOf, type SqlClient } from '../../src/store/sql';
import { conformanceResources, syncConformance } from '../../src/app';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestApp {
  app: App;
  /** supertest against the app, with FHIR JSON defaults. */
  http: () => ReturnType<typeof request>;
  base: string;
  sql: SqlClient;
  /** PostgreSQL: the schema of this app's data (dropped by the app that made it). */
  schema?: string;
  close(): Promise<void>;
  /** Listen on a port (end-to-end clients); returns the base URL. */
  listen(): Promise<string>;
}

export const storeKind = () => (process.env.TEST_STORE === 'postgres' ? 'postgres' : 'pglite');

/**
 * `sameDatabaseAs` (PostgreSQL only): a second server instance, with its own connection pool, on the
 * first one's schema — as two processes behind one address would run. It leaves the schema to the first.
 */
export async function startTestApp(env: Record<string, string> = {}, extra: Partial<ServerOptions> = {}, options: { sameDatabaseAs?: TestApp } = {}): Promise<TestApp> {
  let sql: SqlClient;
  let schema: string | undefined;
  const shared = options.sameDatabaseAs;
  if (shared) {
    if (!shared.schema) throw new Error('sameDatabaseAs needs an app on the PostgreSQL store');
    sql = await openPostgres(process.env.TEST_DATABASE_URL!, shared.schema, 4);
  } else if (storeKind() === 'postgres') {
    schema = `t_${randomBytes(6).toString('hex')}`;
    sql = await openPostgres(process.env.TEST_DATABASE_URL!, schema, 4);
  } else {
    sql = await openPGlite(undefined, await pgliteTemplate());
  }
  await migrate(sql);
  const store = { repo: new PostgresRepository(sql), sql, description: storeKind() };
  const config = loadConfig({ DEMO: 'off', LOG_LEVEL: 'silent', PORT: '8080', HOST: '127.0.0.1', ...env });
  const app = await buildServer({ config, store, logger: createLogger('silent'), ...extra });
  let server: Server | undefined;
  return {
    app,
    base: app.baseUrl,
    sql,
    schema: schema ?? shared?.schema,
    http: () => request(app.http),
    async listen() {
      server = app.http.listen(app.deps.config.PORT, '127.0.0.1');
      await new Promise((r) => server!.once('listening', r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
    },
    async close() {
      if (server) await new Promise((r) => server!.close(r));
      // A background ANALYZE (src/store/auto-analyze.ts) ends before its tables are dropped.
      await analyzeSettled(sql);
      if (schema) await sql.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await sql.close();
    },
  };
}

export const FHIR_JSON = 'application/fhir+json';

/** A free TCP port on loopback (for a test app whose links must carry its real port). */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A migrated PGlite with the conformance resources stored, dumped once to a file shared by every
 * test worker: loading it takes ~0.5 s where a fresh PGlite takes ~3 s.
 */
async function pgliteTemplate(): Promise<Blob> {
  const hash = createHash('sha256');
  hash.update(readFileSync(path.join(__dirname, '../../src/store/migrations.ts')));
  for (const r of conformanceResources()) hash.update(JSON.stringify(r));
  const file = path.join(tmpdir(), `prss-pglite-template-${hash.digest('hex').slice(0, 16)}.tar`);
  if (!existsSync(file)) {
    const db = await openPGlite();
    await migrate(db);
    await syncConformance(new PostgresRepository(db), conformanceResources());
    const dump = await pgliteOf(db)!.dumpDataDir('none');
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, file); // atomic: a concurrent worker reads either no file or a whole one
    await db.close();
  }
  return new Blob([readFileSync(file)]);
}
