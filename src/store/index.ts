/** Open the configured store: a PostgreSQL server when DATABASE_URL is set, else embedded PGlite. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import { migrate } from './migrations';
import { PostgresRepository } from './postgres-repository';
import { openPGlite, openPostgres, type SqlClient } from './sql';

export type { Repository, Resource, WriteOp, WriteResult } from './repository';
export { PostgresRepository } from './postgres-repository';

export interface Store {
  repo: PostgresRepository;
  sql: SqlClient;
  description: string;
}

export async function openStore(config: Pick<Config, 'DATABASE_URL' | 'DATABASE_SCHEMA' | 'DATABASE_POOL_SIZE' | 'STORE' | 'DATA_DIR'>): Promise<Store> {
  let sql: SqlClient;
  let description: string;
  if (config.DATABASE_URL) {
    sql = await openPostgres(config.DATABASE_URL, config.DATABASE_SCHEMA, config.DATABASE_POOL_SIZE);
    description = `postgres (${new URL(config.DATABASE_URL).host}, schema ${config.DATABASE_SCHEMA})`;
  } else if (config.STORE === 'memory') {
    sql = await openPGlite();
    description = 'pglite (in memory)';
  } else {
    const dir = path.resolve(config.DATA_DIR, 'pgdata');
    mkdirSync(dir, { recursive: true });
    sql = await openPGlite(dir);
    description = `pglite (${dir})`;
  }
  await migrate(sql);
  return { repo: new PostgresRepository(sql), sql, description };
}
