/**
 * Gather, in a few indexed queries, every resource the rules of a claim read:
 *  1. the member and everything that references the member (sessions, notes, plans, goals,
 *     assessments, diagnoses, coverages, claims, episodes, consents, caregivers);
 *  2. everything those (and the claim) name that is not yet gathered (practitioners, roles,
 *     provider, payer…), then staff named by the roles found;
 *  3. the staff's roles, their supervisors' roles and people, and the PRS's supervision meetings,
 *     other members' plans and sessions (caseload), limited to the months the rules judge.
 * Rules then run as pure functions over the bag.
 *
 * What one gather read is kept (src/rules/context-cache.ts) and shared by later requests of the same
 * member and months, until the store's change feed reports a write that could change it; the claim
 * being checked sits in a per-request overlay on top. Inside a transaction nothing is cached.
 */
import type { Claim, PractitionerRole } from 'fhir/r4';
import { literalReferences } from '../fhir/literal-references';
import type { Repository, Resource } from '../store/repository';
import { ResourceBag, refKey } from './context';
import { STAFF_RECORD_TYPES, contextCacheOf, type Gathered } from './context-cache';
import { lineDay } from './facts';

const STAFF = new Set(['Practitioner', 'PractitionerRole', 'Organization']);
const typeOf = (key: string) => key.slice(0, key.indexOf('/'));

/**
 * The months whose other-member sessions and supervision meetings the rules judge: the caseload
 * looks 30 days back from a date of service (va-caseload), supervision judges the calendar month of
 * service (va-supervision-frequency). Whole months, from two before the first date of service (30
 * days back always lands there or later) to the end of the last one's, so every claim of a member in
 * the same months shares one gathered context. Undefined when no line is dated.
 */
export function encounterWindow(days: string[]): { from: string; to: string; key: string } | undefined {
  const sorted = days.filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)).sort();
  if (!sorted.length) return undefined;
  const [fy, fm] = sorted[0].split('-').map(Number);
  const [ly, lm] = sorted[sorted.length - 1].split('-').map(Number);
  const from = new Date(Date.UTC(fy, fm - 3, 1)).toISOString().slice(0, 10);
  const to = new Date(Date.UTC(ly, lm, 0)).toISOString().slice(0, 10);
  return { from, to, key: `${from}..${to}` };
}

/**
 * The bag a claim's rules judge: a shared, cached gather when the store has a change feed, under an
 * empty overlay of this request's own (operations add probe resources there). The claim being
 * checked is the context's `claim`, never in the bag: a stored version of it is (facts.memberLines
 * leaves it out), so the shared gather does not depend on the request.
 */
export async function gatherClaimContext(repo: Repository, claim: Claim, synced?: Promise<void>): Promise<ResourceBag> {
  const member = refKey(claim.patient);
  const window = encounterWindow((claim.item ?? []).map(lineDay).filter((d): d is string => !!d));
  const claimRefs = literalReferences(claim).filter((k) => k !== member);
  const cached = cachedFeed(repo);
  let get: (key: string, load: () => Promise<Gathered>) => Promise<Gathered>;
  if (cached) {
    const { feed, cache } = cached;
    await (synced ?? cache.sync(feed));
    get = (key, load) => cache.get(key, load);
  } else {
    // Inside a transaction (claims checked on write) gathers are shared by the claims of one Bundle
    // until the transaction writes again, and never beyond it. Without either, every call gathers.
    const local = repo.transactionCache();
    get = (key, load) => {
      let found = local?.get(key) as Promise<Gathered> | undefined;
      if (!found) {
        found = load();
        local?.set(key, found);
        found.catch(() => local?.delete(key));
      }
      return found;
    };
  }
  const baseKey = `gather|${member ?? '-'}|${window?.key ?? 'all'}`;
  let entry = await get(baseKey, () => gather(repo, member, [], window));
  // A claim that names records the member's own do not (another PRS, a new coverage) needs them too.
  const uncovered = claimRefs.filter((k) => !entry.watch.has(k)).sort();
  if (uncovered.length) entry = await get(`${baseKey}|${uncovered.join(',')}`, () => gather(repo, member, uncovered, window));
  return entry.bag.overlay();
}

/** The store's change feed and the context cache kept over it; undefined when nothing is cached (no feed, or the cache is off). */
function cachedFeed(repo: Repository) {
  const feed = repo.changeFeed();
  const cache = feed && contextCacheOf(feed);
  return feed && cache ? { feed, cache } : undefined;
}

/**
 * Bring the context cache up to date with every write committed before now, without waiting: a
 * request that has other work to do first (validating the claim's structure and profiles) starts
 * this on arrival and hands the promise to gatherClaimContext, so the store's answer comes back while
 * that work runs instead of after it. Undefined when the store has no change feed (nothing cached).
 */
export function syncContextCache(repo: Repository): Promise<void> | undefined {
  const cached = cachedFeed(repo);
  if (!cached) return undefined;
  const synced = cached.cache.sync(cached.feed);
  // Awaited by the gather; a request that never gathers (invalid claim) must not leave it unhandled.
  synced.catch(() => undefined);
  return synced;
}

/**
 * One gather from the store. `refs` are records the claim names beyond the member's. Returns the
 * sealed bag and what would change it: every key it read or looked for (`watch`), the member (any
 * record naming it), and the staff whose roles, plans and sessions it read.
 */
async function gather(repo: Repository, member: string | undefined, refs: string[], window: { from: string; to: string } | undefined): Promise<Gathered> {
  const bag = new ResourceBag();
  const watch = new Set<string>();
  const add = (rs: Resource[]) => rs.forEach((r) => bag.add(r));
  const read = async (keys: string[]) => {
    const wanted = [...new Set(keys)].filter((k) => !watch.has(k) && !bag.has(typeOf(k), k.slice(k.indexOf('/') + 1)));
    wanted.forEach((k) => watch.add(k));
    if (wanted.length) add(await repo.readMany(wanted));
  };

  // 1. The member and every record that names the member.
  if (member) {
    await read([member]);
    add(await repo.referencing([member]));
  }

  // 2. What those records (and the claim) name, one level, then staff named by the roles found.
  await read([...refs, ...bagRefs(bag)]);
  await read(bagRefs(bag).filter((k) => STAFF.has(typeOf(k))));

  // 3. The staff's own records: roles of the practitioners, supervision, caseload.
  const people = bag.all('Practitioner').map((p) => `Practitioner/${p.id}`);
  const roles = bag.all<PractitionerRole>('PractitionerRole').map((r) => `PractitionerRole/${r.id}`);
  const staffRoots = [...people, ...roles];
  if (staffRoots.length) {
    add(await repo.referencing(staffRoots, STAFF_RECORD_TYPES, { encounterWindow: window }));
    // Supervisors (and their own supervisors) named by roles.
    for (let level = 0; level < 2; level++) await read(bagRefs(bag).filter((k) => STAFF.has(typeOf(k))));
    const newPeople = bag.all('Practitioner').map((p) => `Practitioner/${p.id}`).filter((p) => !people.includes(p));
    if (newPeople.length) {
      add(await repo.referencing(newPeople, ['PractitionerRole']));
      staffRoots.push(...newPeople);
    }
  }
  for (const k of bag.keys()) watch.add(k);
  return { bag: bag.seal(), watch, anyRoots: member ? [member] : [], staffRoots };
}

function bagRefs(bag: ResourceBag): string[] {
  const out: string[] = [];
  for (const type of ['Claim', 'Encounter', 'CarePlan', 'ServiceRequest', 'DocumentReference', 'Coverage', 'PractitionerRole', 'Consent', 'RelatedPerson', 'Organization', 'Patient', 'EpisodeOfCare', 'Condition', 'Goal']) {
    for (const r of bag.all(type as Resource['resourceType'])) out.push(...literalReferences(r));
  }
  return out;
}
