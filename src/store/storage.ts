/**
 * What the stored resources cost on disk: per table, its heap (with TOAST) and its indexes
 * (pg_total_relation_size = both), and per stored resource (live or deleted, every version kept).
 * The bench reports it; both stores answer it (PGlite's files are PostgreSQL's).
 */
import { ANALYZED_TABLES } from './auto-analyze';
import type { SqlClient } from './sql';

export interface TableStorage {
  table: string;
  rows: number;
  /** Heap and TOAST. */
  dataBytes: number;
  indexBytes: number;
  totalBytes: number;
}

export interface StorageFootprint {
  /** Rows of `resource` (one per resource, tombstones included). */
  resources: number;
  /** Rows of `resource_version` (history). */
  versions: number;
  totalBytes: number;
  bytesPerResource: number;
  tables: TableStorage[];
}

/** Sizes of the resource, history and search index tables (exact row counts: it reads every table). */
export async function storageFootprint(db: SqlClient): Promise<StorageFootprint> {
  const tables: TableStorage[] = [];
  for (const table of ANALYZED_TABLES) {
    const [row] = await db.query<{ rows: number | string; total: number | string; indexes: number | string }>(
      `SELECT (SELECT count(*) FROM ${table}) AS rows, pg_total_relation_size($1::regclass) AS total, pg_indexes_size($1::regclass) AS indexes`,
      [table],
    );
    const total = Number(row.total);
    const indexes = Number(row.indexes);
    tables.push({ table, rows: Number(row.rows), dataBytes: total - indexes, indexBytes: indexes, totalBytes: total });
  }
  const totalBytes = tables.reduce((n, t) => n + t.totalBytes, 0);
  const resources = tables.find((t) => t.table === 'resource')!.rows;
  const versions = tables.find((t) => t.table === 'resource_version')!.rows;
  return { resources, versions, totalBytes, bytesPerResource: resources ? Math.round(totalBytes / resources) : 0, tables };
}
