/**
 * Keeps PostgreSQL's planner statistics current after bulk writes, as autovacuum's analyze would
 * where it does not run (PGlite never runs it; these servers run with autovacuum off).
 *
 * Per database (per instance, in process), the rows written to each large table since its last
 * ANALYZE are counted as writes are made. Once a table's count passes
 * `ANALYZE_THRESHOLD + ANALYZE_SCALE_FACTOR * reltuples` (autovacuum's rule, with reltuples as the
 * last ANALYZE found it), `ANALYZE <table>` runs in the background after the write's transaction has
 * committed: never in the request's path, and never two at once (one pass at a time per database;
 * what is written meanwhile is looked at when it ends). Counts of transactions that roll back are
 * kept: at worst a table is analysed a little early.
 */
import type { SqlClient } from './sql';

/** The tables counted: every table a write adds rows to in proportion to the data. */
export const ANALYZED_TABLES = ['resource', 'resource_version', 'sp_token', 'sp_string', 'sp_date', 'sp_number', 'sp_quantity', 'sp_reference', 'sp_uri', 'resource_ref'] as const;
export type AnalyzedTable = (typeof ANALYZED_TABLES)[number];

/** Rows a table takes before its first ANALYZE, and on top of the scale factor after (autovacuum's default is 50; an ANALYZE samples 30,000 rows, so not more often than this). */
export const ANALYZE_THRESHOLD = 1000;
/** Share of the table's rows (reltuples) written since its last ANALYZE that calls for another one (autovacuum's default). */
export const ANALYZE_SCALE_FACTOR = 0.1;

interface State {
  enabled: boolean;
  /** Rows written since the last ANALYZE, per table. */
  pending: Map<AnalyzedTable, number>;
  /** reltuples found by the last ANALYZE, per table (0 before the first). */
  tuples: Map<AnalyzedTable, number>;
  running?: Promise<void>;
  /** ANALYZE statements run (what the tests and the bench look at). */
  runs: number;
  lastError?: unknown;
}

const states = new WeakMap<object, State>();

function stateOf(db: SqlClient): State {
  let s = states.get(db.root);
  if (!s) states.set(db.root, (s = { enabled: true, pending: new Map(), tuples: new Map(), runs: 0 }));
  return s;
}

/** AUTO_ANALYZE: on (the default) or off, for every repository over this database. */
export function configureAutoAnalyze(db: SqlClient, enabled: boolean): void {
  stateOf(db).enabled = enabled;
}

/** Count rows written (in the write's transaction; nothing runs yet). */
export function countWritten(db: SqlClient, table: AnalyzedTable, rows: number): void {
  if (rows <= 0) return;
  const s = stateOf(db);
  if (!s.enabled) return;
  s.pending.set(table, (s.pending.get(table) ?? 0) + rows);
}

function due(s: State): AnalyzedTable[] {
  return ANALYZED_TABLES.filter((t) => (s.pending.get(t) ?? 0) >= ANALYZE_THRESHOLD + ANALYZE_SCALE_FACTOR * (s.tuples.get(t) ?? 0));
}

/**
 * After a commit: start a background pass if a table is due and none is running. Returns at once;
 * the pass runs on the client given (the database's own client, never a transaction's).
 */
export function analyzeIfDue(db: SqlClient): void {
  const s = stateOf(db);
  if (!s.enabled || s.running || due(s).length === 0) return;
  s.running = (async () => {
    try {
      for (let tables = due(s); tables.length; tables = due(s)) {
        for (const table of tables) {
          // Reset first: rows written while ANALYZE samples count towards the next one.
          s.pending.set(table, 0);
          await db.exec(`ANALYZE ${table}`);
          s.runs++;
          const rows = await db.query<{ n: number | string }>('SELECT reltuples AS n FROM pg_class WHERE oid = $1::regclass', [table]);
          s.tuples.set(table, Math.max(0, Number(rows[0]?.n ?? 0)));
        }
      }
    } catch (e) {
      // A closed database or a dropped schema: the next write past the threshold tries again.
      s.lastError = e;
    } finally {
      s.running = undefined;
    }
  })();
}

/** Resolves once no background ANALYZE is running on this database (tests; closing the store). */
export async function analyzeSettled(db: SqlClient): Promise<void> {
  const s = stateOf(db);
  while (s.running) await s.running;
}

/** What the analyser has done on this database (ANALYZE statements run; rows pending per table). */
export function autoAnalyzeStatus(db: SqlClient): { enabled: boolean; runs: number; pending: Record<string, number> } {
  const s = stateOf(db);
  return { enabled: s.enabled, runs: s.runs, pending: Object.fromEntries(s.pending) };
}
