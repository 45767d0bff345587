import type { Change, ChangeFeed } from '../store/repository';
import { ResourceBag } from './context';
import { ContextCache, type Gathered } from './context-cache';

/** A feed whose next answers the test queues; every poll is counted. */
class FakeFeed implements ChangeFeed {
  readonly scope = {};
  polls = 0;
  private next: { changes: Change[]; overflow?: boolean }[] = [];
  private cursor = 100;
  /** Resolves a held poll (see hold()). */
  private release?: () => void;
  private held?: Promise<void>;

  push(...changes: Change[]): void {
    this.next.push({ changes });
  }
  overflow(): void {
    this.next.push({ changes: [], overflow: true });
  }
  hold(): void {
    this.held = new Promise((r) => (this.release = r));
  }
  let(): void {
    this.release?.();
    this.held = undefined;
  }
  async changes(): Promise<{ cursor: string; changes: Change[]; overflow: boolean }> {
    this.polls++;
    const answer = this.next.shift() ?? { changes: [] };
    if (this.held) await this.held;
    return { cursor: String(++this.cursor), changes: answer.changes, overflow: !!answer.overflow };
  }
}

const member = 'Patient/m1';
function gathered(size = 3, over: Partial<Gathered> = {}): Gathered {
  const bag = new ResourceBag([
    { resourceType: 'Patient', id: 'm1' },
    { resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'AMB' }, subject: { reference: member } },
    ...Array.from({ length: Math.max(0, size - 2) }, (_, i) => ({ resourceType: 'Organization' as const, id: `o${i}` })),
  ]).seal();
  return {
    bag,
    watch: new Set([...bag.keys(), 'Coverage/missing']),
    anyRoots: [member],
    staffRoots: ['PractitionerRole/prs'],
    ...over,
  };
}

async function primed(feed: FakeFeed, cache = new ContextCache(1000)) {
  await cache.sync(feed);
  let loads = 0;
  const load = async () => {
    loads++;
    return gathered();
  };
  await cache.get('k', load);
  return { cache, loads: () => loads, load };
}

describe('ContextCache', () => {
  it('serves a gathered context again until a change touches it', async () => {
    const feed = new FakeFeed();
    const { cache, loads, load } = await primed(feed);
    await cache.sync(feed);
    await cache.get('k', load);
    expect(loads()).toBe(1);
    expect(cache.stats.hits).toBe(1);
  });

  it.each<[string, Change, boolean]>([
    ['a version of a resource it holds', { key: 'Encounter/e1', refs: [] }, true],
    ['a resource it looked for and did not find', { key: 'Coverage/missing', refs: [member] }, true],
    ['any record naming the member', { key: 'DocumentReference/new', refs: [member] }, true],
    ['a session naming the staff', { key: 'Encounter/other', refs: ['PractitionerRole/prs'] }, true],
    ['a role naming the staff', { key: 'PractitionerRole/new', refs: ['PractitionerRole/prs'] }, true],
    ['a claim naming the staff (claims of other members are not gathered)', { key: 'Claim/other', refs: ['PractitionerRole/prs'] }, false],
    ['a record of another member', { key: 'Encounter/x', refs: ['Patient/m2'] }, false],
  ])('%s: dropped = %s', async (_what, change, dropped) => {
    const feed = new FakeFeed();
    const { cache, loads, load } = await primed(feed);
    feed.push(change);
    await cache.sync(feed);
    await cache.get('k', load);
    expect(loads()).toBe(dropped ? 2 : 1);
    expect(cache.stats.invalidated).toBe(dropped ? 1 : 0);
  });

  it('does not keep a gather that ran while a change touching it arrived, and does not let later requests join it', async () => {
    const feed = new FakeFeed();
    const cache = new ContextCache(1000);
    await cache.sync(feed);
    let finish!: () => void;
    const slow = cache.get('k', () => new Promise<Gathered>((r) => (finish = () => r(gathered()))));
    // A write to the member commits while the gather runs; the next request learns of it.
    feed.push({ key: 'Encounter/e2', refs: [member] });
    await cache.sync(feed);
    let joined = 0;
    const second = cache.get('k', async () => {
      joined++;
      return gathered();
    });
    finish();
    await slow;
    await second;
    expect(joined).toBe(1); // it gathered afresh instead of taking the stale gather
    // The stale gather was not kept; the fresh one (begun after the change) was.
    let third = 0;
    await cache.get('k', async () => {
      third++;
      return gathered();
    });
    expect(third).toBe(0);
  });

  it('a gather that a change arriving meanwhile does not touch is kept', async () => {
    const feed = new FakeFeed();
    const cache = new ContextCache(1000);
    await cache.sync(feed);
    let finish!: () => void;
    const slow = cache.get('k', () => new Promise<Gathered>((r) => (finish = () => r(gathered()))));
    feed.push({ key: 'Encounter/x', refs: ['Patient/m2'] });
    await cache.sync(feed);
    finish();
    await slow;
    expect(cache.size).toBe(1);
  });

  it('drops everything when more changed than one poll reads', async () => {
    const feed = new FakeFeed();
    const { cache, loads, load } = await primed(feed);
    feed.overflow();
    await cache.sync(feed);
    expect(cache.size).toBe(0);
    await cache.get('k', load);
    expect(loads()).toBe(2);
  });

  it('holds at most its limit of resources, dropping the least recently used context', async () => {
    const feed = new FakeFeed();
    const cache = new ContextCache(10);
    await cache.sync(feed);
    await cache.get('a', async () => gathered(4));
    await cache.get('b', async () => gathered(4));
    await cache.get('a', async () => gathered(4)); // a is now the most recently used
    await cache.get('c', async () => gathered(4)); // 12 > 10: b goes
    expect(cache.size).toBe(2);
    let reloaded = 0;
    await cache.get('a', async () => { reloaded++; return gathered(4); });
    expect(reloaded).toBe(0);
    await cache.get('b', async () => { reloaded++; return gathered(4); });
    expect(reloaded).toBe(1);
  });

  it('requests arriving together share one poll, but none is answered by a poll sent before it arrived', async () => {
    const feed = new FakeFeed();
    const cache = new ContextCache(1000);
    await cache.sync(feed);
    const before = feed.polls;
    feed.hold();
    const first = cache.sync(feed); // poll 1, sent now and held
    const second = cache.sync(feed); // arrived after poll 1 was sent: waits for poll 2
    const third = cache.sync(feed); // shares poll 2
    feed.let();
    await Promise.all([first, second, third]);
    expect(feed.polls - before).toBe(2);
  });
});
