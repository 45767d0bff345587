/**
 * Liveness and readiness for an orchestrator. /healthz: the process answers. /readyz: the database
 * answers within READY_TIMEOUT_MS, every migration this build knows is recorded in it, and the
 * definitions the server validates with are loaded. Answers name the checks and their state only:
 * no data, no settings, no addresses.
 */
import { migrations } from '../store/migrations';
import type { SqlClient } from '../store/sql';

/** The database check gives up after this long, so /readyz answers 503 within 2 s of the database going away. */
export const READY_TIMEOUT_MS = 1500;

export interface Readiness {
  ready: boolean;
  checks: {
    database: 'ok' | 'unreachable';
    migrations: 'ok' | 'pending' | 'unknown';
    definitions: 'ok' | 'not loaded';
  };
}

const EXPECTED = migrations.map((m) => m.version);

export async function readiness(sql: SqlClient, definitionsLoaded: () => boolean, timeoutMs = READY_TIMEOUT_MS): Promise<Readiness> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  const versions = await Promise.race([
    sql.query<{ version: number }>('SELECT version FROM schema_migrations').then(
      (rows) => new Set(rows.map((r) => Number(r.version))),
      // No migrations table: the database answers, nothing is migrated. Anything else: not reachable.
      (e: { code?: string }) => (e?.code === '42P01' ? new Set<number>() : undefined),
    ),
    timeout,
  ]);
  clearTimeout(timer);
  const checks: Readiness['checks'] = {
    database: versions ? 'ok' : 'unreachable',
    migrations: !versions ? 'unknown' : EXPECTED.every((v) => versions.has(v)) ? 'ok' : 'pending',
    definitions: definitionsLoaded() ? 'ok' : 'not loaded',
  };
  return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
}
