/**
 * The repository interface: everything the FHIR core needs from storage. One implementation
 * (PostgresRepository) serves both PGlite and a PostgreSQL server.
 */
import type { Bundle, FhirResource } from 'fhir/r4';
import type { ParsedSearch } from '../fhir/search/types';

export type Resource = FhirResource & { id?: string };

export type WriteOp =
  | { kind: 'create'; resource: Resource }
  | { kind: 'update'; resource: Resource; ifMatch?: string; method?: 'PUT' | 'PATCH' }
  | { kind: 'delete'; type: string; id: string; ifMatch?: string };

export interface WriteResult {
  type: string;
  id: string;
  versionId: string;
  lastUpdated: string;
  /** The stored resource (meta filled in); absent for deletes. */
  resource?: Resource;
  /** 201 created, 200 updated/deleted, 204 deleted nothing. */
  status: 201 | 200 | 204;
  created: boolean;
}

export interface StoredRaw {
  /** The stored JSON, with meta.versionId and meta.lastUpdated set. */
  json: string;
  versionId: string;
  lastUpdated: string;
}

export interface HistoryEntry {
  type: string;
  id: string;
  versionId: string;
  lastUpdated: string;
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  deleted: boolean;
  json?: string;
}

export interface HistoryOptions {
  type?: string;
  /** Only versions of these types (access control: the types the client's scopes let it read). */
  types?: string[];
  id?: string;
  /** Versions written at or after this instant. */
  since?: string;
  /** Versions current at some point during this period (inclusive instants). */
  at?: { from: string; to: string };
  count: number;
  cursor?: string;
}

export interface HistoryPage {
  entries: HistoryEntry[];
  total?: number;
  nextCursor?: string;
}

export interface SearchMatch {
  json: string;
  type: string;
  id: string;
  mode: 'match' | 'include';
}

export interface SearchResult {
  entries: SearchMatch[];
  total?: number;
  nextCursor?: string;
  previousCursor?: string;
}

/** A version written since a change-feed cursor: its `Type/id` and the literal references it holds now. */
export interface Change {
  key: string;
  refs: string[];
}

/**
 * Committed writes, for caches of what was read (the rule engine's gathered context). `since` is
 * the cursor of the previous call (undefined the first time); `overflow` means more changed than
 * `limit`, and a cache should drop everything it holds.
 */
export interface ChangeFeed {
  /** The database the feed reports on: caches are kept per database. */
  readonly scope: object;
  changes(since: string | undefined, limit: number): Promise<{ cursor: string; changes: Change[]; overflow: boolean }>;
}

export interface Repository {
  readonly kind: 'pglite' | 'postgres';
  /** Current version; throws 404 when never existed, 410 when deleted. */
  readRaw(type: string, id: string): Promise<StoredRaw>;
  read<T extends Resource = Resource>(type: string, id: string): Promise<T>;
  vreadRaw(type: string, id: string, versionId: string): Promise<StoredRaw>;
  /** Several resources by `Type/id` (missing and deleted ones left out). */
  readMany(keys: string[]): Promise<Resource[]>;
  /**
   * Live resources of the given types that reference any of the targets (`Type/id`) anywhere
   * (extensions included). `encounterWindow` keeps only Encounters whose period meets the
   * inclusive day range.
   */
  referencing(targets: string[], types?: string[], options?: { encounterWindow?: { from: string; to: string } }): Promise<Resource[]>;
  /** Apply writes atomically, in order, in one database transaction (joins the current one, if any). */
  write(ops: WriteOp[]): Promise<WriteResult[]>;
  search(search: ParsedSearch): Promise<SearchResult>;
  count(search: ParsedSearch): Promise<number>;
  history(options: HistoryOptions): Promise<HistoryPage>;
  /**
   * The store's change feed; undefined inside a transaction, whose reads see writes that may still
   * be rolled back and so must not be cached.
   */
  changeFeed(): ChangeFeed | undefined;
  /**
   * Inside a transaction: a scratch map for what was read in it, emptied by every write through the
   * transaction (the rule engine gathers once for the claims of one Bundle). Undefined outside one.
   */
  transactionCache(): Map<string, unknown> | undefined;
  /**
   * Inside a transaction: wait for, then hold until it ends, an exclusive lock on each key — the
   * database's own transaction-scoped advisory locks, so every server process on the database takes
   * turns. A conditional write locks its condition (`conditionKey`) before it searches for matches:
   * whoever waited sees, once it holds the lock, what the holder committed.
   */
  lockConditions(keys: string[]): Promise<void>;
  /** Run fn with a repository bound to one database transaction. */
  transaction<T>(fn: (repo: Repository) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type { Bundle };
