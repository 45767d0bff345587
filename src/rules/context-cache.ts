/**
 * Gathered rule contexts, kept across requests and dropped the moment the store may have changed
 * under them. A payer validating a member's claims one after another, or an operation asked about
 * the same member again, reads the member's year once instead of on every call.
 *
 * Correctness rests on the store's change feed (Repository.changeFeed): before a context is used,
 * the cache asks the feed for every version committed since it last asked (one indexed query,
 * shared by requests that arrive together) and drops each context that the version could change:
 *  - the version's own `Type/id` was read, or looked for and not found, by the gather (`watch`);
 *  - it names the member (any record naming the member is gathered);
 *  - it is a role, plan or session naming one of the staff whose records were gathered.
 * That over-approximates what the gather would read again, never under: a context in the cache is
 * the one a fresh gather would return. A gather that ran while the feed reported changes is checked
 * against them before it is kept. The feed works across instances (it reads the database), so
 * several servers on one PostgreSQL stay correct. Inside a transaction nothing is cached (gather.ts).
 */
import type { ChangeFeed, Change } from '../store/repository';
import type { ResourceBag } from './context';

/** What one gather read, and what would change it. */
export interface Gathered {
  bag: ResourceBag;
  /** Every `Type/id` read or looked for. */
  watch: Set<string>;
  /** A new or changed record of any type naming one of these changes the gather. */
  anyRoots: string[];
  /** A new or changed record of STAFF_RECORD_TYPES naming one of these changes the gather. */
  staffRoots: string[];
}

/** The staff's records a gather reads: their roles, the plans and the sessions that name them. */
export const STAFF_RECORD_TYPES = ['PractitionerRole', 'CarePlan', 'Encounter'];

interface Entry extends Gathered {
  key: string;
  size: number;
}

/** Resources held across all cached contexts, by default (RULE_CONTEXT_CACHE). */
export const DEFAULT_CACHE_RESOURCES = 100_000;
/** More changes than this in one poll: drop everything rather than test each. */
const POLL_LIMIT = 5_000;
/** Changes remembered for checking gathers that were running while they arrived. */
const LOG_LIMIT = 20_000;

export class ContextCache {
  private readonly entries = new Map<string, Entry>();
  /** Watched key / root → entries, so a change finds the contexts it touches without a scan. */
  private readonly byWatch = new Map<string, Set<Entry>>();
  private readonly byAnyRoot = new Map<string, Set<Entry>>();
  private readonly byStaffRoot = new Map<string, Set<Entry>>();
  /** Gathers running, with the change seq they began at. */
  private readonly inflight = new Map<string, { promise: Promise<Entry>; startSeq: number }>();
  private held = 0;

  private cursor: string | undefined;
  /** Changes seen, numbered: a gather that began at seq n is checked against those after n. */
  private seq = 0;
  private log: { seq: number; change: Change }[] = [];
  /** Gathers that began before this seq are not kept (the log no longer covers them). */
  private keepFrom = 0;

  /** Requests that arrived; the poll in flight and the arrival count when it was sent. */
  private arrivals = 0;
  private polling?: { promise: Promise<void>; coversUpTo: number };

  readonly stats = { hits: 0, misses: 0, invalidated: 0, resets: 0, polls: 0 };

  constructor(readonly limit: number) {}

  /**
   * Bring the cache up to date with every write committed before this call: joins a poll sent after
   * the call arrived, or sends one.
   */
  async sync(feed: ChangeFeed): Promise<void> {
    const ticket = ++this.arrivals;
    while (true) {
      const p = this.polling;
      if (p && p.coversUpTo >= ticket) return p.promise;
      if (p) {
        await p.promise.catch(() => undefined);
        continue;
      }
      const promise = this.poll(feed).finally(() => {
        if (this.polling?.promise === promise) this.polling = undefined;
      });
      this.polling = { promise, coversUpTo: this.arrivals };
      return promise;
    }
  }

  private async poll(feed: ChangeFeed): Promise<void> {
    this.stats.polls++;
    const { cursor, changes, overflow } = await feed.changes(this.cursor, POLL_LIMIT);
    if (overflow || this.cursor === undefined) this.reset();
    else for (const c of changes) this.apply(c);
    if (this.cursor === undefined || BigInt(cursor) > BigInt(this.cursor)) this.cursor = cursor;
  }

  /** The context under `key`, gathered by `load` when absent (concurrent askers share one gather). */
  async get(key: string, load: () => Promise<Gathered>): Promise<Gathered> {
    const hit = this.entries.get(key);
    if (hit) {
      this.stats.hits++;
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    // Join a gather already running only if no change arrived since it began: it may not have seen one.
    const running = this.inflight.get(key);
    if (running && running.startSeq === this.seq) return running.promise;
    this.stats.misses++;
    const startSeq = this.seq;
    const promise = load().then((g) => {
      const entry: Entry = { ...g, key, size: g.bag.size };
      if (startSeq >= this.keepFrom && !this.log.some((l) => l.seq > startSeq && touches(entry, l.change))) this.insert(entry);
      return entry;
    }).finally(() => {
      if (this.inflight.get(key)?.promise === promise) this.inflight.delete(key);
    });
    this.inflight.set(key, { promise, startSeq });
    return promise;
  }

  get size(): number {
    return this.entries.size;
  }

  private apply(change: Change): void {
    this.log.push({ seq: ++this.seq, change });
    if (this.log.length > LOG_LIMIT) {
      this.log = this.log.slice(-LOG_LIMIT / 2);
      this.keepFrom = this.log[0].seq;
    }
    const hit = new Set<Entry>();
    for (const e of this.byWatch.get(change.key) ?? []) hit.add(e);
    const staffRecord = STAFF_RECORD_TYPES.includes(change.key.slice(0, change.key.indexOf('/')));
    for (const ref of change.refs) {
      for (const e of this.byAnyRoot.get(ref) ?? []) hit.add(e);
      if (staffRecord) for (const e of this.byStaffRoot.get(ref) ?? []) hit.add(e);
    }
    for (const e of hit) {
      this.stats.invalidated++;
      this.remove(e);
    }
  }

  private reset(): void {
    this.stats.resets++;
    for (const e of [...this.entries.values()]) this.remove(e);
    this.log = [];
    this.keepFrom = ++this.seq;
  }

  private insert(entry: Entry): void {
    const old = this.entries.get(entry.key);
    if (old) this.remove(old);
    this.entries.set(entry.key, entry);
    this.held += entry.size;
    index(this.byWatch, entry.watch, entry);
    index(this.byAnyRoot, entry.anyRoots, entry);
    index(this.byStaffRoot, entry.staffRoots, entry);
    // Least recently used first, until the resources held fit (the newest is always kept).
    for (const e of this.entries.values()) {
      if (this.held <= this.limit || e === entry) break;
      this.remove(e);
    }
  }

  private remove(entry: Entry): void {
    if (this.entries.get(entry.key) !== entry) return;
    this.entries.delete(entry.key);
    this.held -= entry.size;
    unindex(this.byWatch, entry.watch, entry);
    unindex(this.byAnyRoot, entry.anyRoots, entry);
    unindex(this.byStaffRoot, entry.staffRoots, entry);
  }
}

function touches(e: Gathered, c: Change): boolean {
  if (e.watch.has(c.key)) return true;
  const type = c.key.slice(0, c.key.indexOf('/'));
  return c.refs.some((r) => e.anyRoots.includes(r) || (STAFF_RECORD_TYPES.includes(type) && e.staffRoots.includes(r)));
}

function index(map: Map<string, Set<Entry>>, keys: Iterable<string>, e: Entry): void {
  for (const k of keys) {
    const set = map.get(k);
    if (set) set.add(e);
    else map.set(k, new Set([e]));
  }
}

function unindex(map: Map<string, Set<Entry>>, keys: Iterable<string>, e: Entry): void {
  for (const k of keys) {
    const set = map.get(k);
    if (!set) continue;
    set.delete(e);
    if (!set.size) map.delete(k);
  }
}

let configuredLimit = DEFAULT_CACHE_RESOURCES;
/** Resources the cache may hold (RULE_CONTEXT_CACHE); 0 turns caching off. Caches made earlier keep theirs. */
export function setContextCacheLimit(limit: number): void {
  configuredLimit = limit;
}

/** One cache per database (the feed's scope); undefined when caching is off (limit 0). */
const caches = new WeakMap<object, ContextCache>();
export function contextCacheOf(feed: ChangeFeed, limit = configuredLimit): ContextCache | undefined {
  if (limit <= 0) return undefined;
  let c = caches.get(feed.scope);
  if (!c) {
    c = new ContextCache(limit);
    caches.set(feed.scope, c);
  }
  return c;
}
