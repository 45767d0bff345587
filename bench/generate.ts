/**
 * Synthetic PRSS data at any size, in the shapes of docs/spec/domain-model.md, built on the clean
 * Virginia scenario (src/prss/scenario.ts). Each member gets a year of service: ≈150 sessions with a
 * progress note and a claim each, a signed RRWP with four reviews, coverage, a diagnosis, an
 * assessment, a goal and a release; every ten members share one provider and its staff (a PRS, a
 * direct supervisor and an assessing LMHP) with monthly supervision meetings.
 *
 * Deterministic for a seed: the same seed and size give byte-identical bundles, so runs compare.
 * Every id is stable and every entry is a PUT, so a bundle can be replayed (idempotent).
 */
import type { Bundle, CarePlan, Claim, Encounter, Extension, FhirResource, Reference } from 'fhir/r4';
import { addMinutes, buildScenario, dayAfter, progressNote, ref, round2, sessionEncounter, signature, type Scenario } from '../src/prss/scenario';
import { EXT } from '../src/prss/terminology';

export interface GenerateOptions {
  /** Total resources to produce (the stream stops exactly there). */
  size: number;
  /** Skip the first `from` resources of the stream (continue an earlier load). */
  from?: number;
  seed?: number;
  /** Entries per transaction Bundle. */
  bundleSize?: number;
  /** Members served by one provider and its staff. */
  membersPerProvider?: number;
}

/** mulberry32: a small, fast, well-distributed PRNG, so data depends on the seed only. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const YEAR_START = '2026-01-12'; // the scenario's plan start (a Monday)
const WEEKS = 52;
const addDays = (day: string, n: number) => addMinutes(`${day}T00:00:00+00:00`, n * 24 * 60).slice(0, 10);

export interface MemberYear {
  scenario: Scenario;
  plan: CarePlan;
  sessions: Encounter[];
  claims: Claim[];
  /** Resources in write order: the member's base facts, then per date session, note and claim. */
  resources: FhirResource[];
}

/** The keys of member `index`: its own and its provider/staff group's. */
export const memberKey = (index: number) => `m${index}`;
export const staffKeyOf = (index: number, perProvider = 10) => `p${Math.floor(index / perProvider)}`;

/** One member's year of service. */
export function memberYear(index: number, seed = 1, perProvider = 10): MemberYear {
  const rnd = prng(seed * 1_000_003 + index);
  const key = memberKey(index);
  const program: 'arts' | 'mh' = rnd() < 0.7 ? 'arts' : 'mh';
  const birthYear = 1955 + Math.floor(rnd() * 45);
  const s = buildScenario({ key, staffKey: staffKeyOf(index, perProvider), program, birthDate: `${birthYear}-0${1 + Math.floor(rnd() * 9)}-1${Math.floor(rnd() * 9)}` });

  // Four quarterly reviews, each held, documented a day later and signed by the PRS and the member.
  const reviews: Extension[] = [90, 180, 270, 360].map((offset, i) => {
    const date = addDays(YEAR_START, offset - 2);
    const sig = (role: string, party: Reference): Extension => ({ ...signature(role, party, date), url: 'signature' });
    return {
      url: EXT.review,
      extension: [
        { url: 'date', valueDate: date },
        { url: 'documented', valueDate: addDays(date, 1) },
        sig('prs', ref(s.prsRole)),
        sig('member', ref(s.member)),
        { url: 'goalsUpdated', valueBoolean: i % 2 === 1 },
      ],
    };
  });
  const plan: CarePlan = { ...s.plan, extension: [...(s.plan.extension ?? []), ...reviews] };

  // ≈3 sessions a week (Mon/Wed/Fri at the member's hour), a few weeks with two: ≈150 a year.
  const hour = `${String(9 + (index % 8)).padStart(2, '0')}:00`;
  const common = { member: s.member, prsRole: s.prsRole, plan, assessment: s.assessment, goal: s.goal, diagnosis: s.diagnosis, program };
  const sessions: Encounter[] = [];
  for (let w = 0; w < WEEKS; w++) {
    const monday = addDays(YEAR_START, w * 7);
    const days = rnd() < 0.12 ? [0, 3] : [0, 2, 4];
    for (const d of days) {
      const minutes = [45, 60, 60, 75, 90][Math.floor(rnd() * 5)];
      const mode = rnd() < 0.2 ? 'telehealth-video' : 'in-person';
      sessions.push(sessionEncounter(`session-${key}-${sessions.length + 1}`, { ...common, start: `${addDays(monday, d)}T${hour}:00-05:00`, minutes, mode }));
    }
  }
  const claims = sessions.map((e, i): Claim => {
    const day = e.period!.start!.slice(0, 10);
    const minutes = (Date.parse(e.period!.end!) - Date.parse(e.period!.start!)) / 60000;
    const units = Math.floor(minutes / 15);
    const item = s.claim.item![0];
    const price = item.unitPrice!.value!;
    return {
      ...s.claim,
      id: `claim-${key}-${i + 1}`,
      identifier: [{ ...s.claim.identifier![0], value: `CLM-${key}-${day}` }],
      created: dayAfter(day),
      item: [{
        ...item,
        servicedDate: day,
        locationCodeableConcept: e.class.code === 'VR' ? { coding: [{ ...item.locationCodeableConcept!.coding![0], code: '10' }] } : item.locationCodeableConcept,
        quantity: { value: units },
        net: { value: round2(units * price), currency: 'USD' },
        encounter: [ref(e)],
      }],
      total: { value: round2(units * price), currency: 'USD' },
    };
  });

  const resources: FhirResource[] = [s.member, s.coverage, s.diagnosis, s.assessment, s.goal, plan, s.release, ...s.supervisions];
  sessions.forEach((e, i) => {
    const day = e.period!.start!.slice(0, 10);
    resources.push(e, progressNote(`note-${e.id}`, e, ref(s.prsRole), day), claims[i]);
  });
  return { scenario: s, plan, sessions, claims, resources };
}

/** The provider and staff of a group: written once, before its first member. */
export function staffResources(s: Scenario): FhirResource[] {
  return [s.payer, s.provider, s.prs, s.supervisor, s.assessor, s.supervisorRole, s.prsRole, s.assessorRole];
}

/** Every resource, in dependency order, until `size` resources were produced. */
export function* resources(opts: GenerateOptions): Generator<FhirResource> {
  const per = opts.membersPerProvider ?? 10;
  let produced = 0;
  const from = opts.from ?? 0;
  for (let i = 0; produced < opts.size; i++) {
    const year = memberYear(i, opts.seed ?? 1, per);
    const batch = i % per === 0 ? [...staffResources(year.scenario), ...year.resources] : year.resources;
    for (const r of batch) {
      if (produced >= opts.size) return;
      produced++;
      if (produced > from) yield r;
    }
  }
}

/** Transaction Bundles of `bundleSize` (100) PUT entries. */
export function* bundles(opts: GenerateOptions): Generator<Bundle> {
  const n = opts.bundleSize ?? 100;
  let entry: NonNullable<Bundle['entry']> = [];
  const flush = (): Bundle => {
    const b: Bundle = { resourceType: 'Bundle', type: 'transaction', entry };
    entry = [];
    return b;
  };
  for (const r of resources(opts)) {
    entry.push({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } });
    if (entry.length === n) yield flush();
  }
  if (entry.length) yield flush();
}

/** Members the stream of `size` resources covers completely (search and $validate targets come from these). */
export function completeMembers(size: number, perProvider = 10, seed = 1): number {
  let produced = 0;
  let complete = 0;
  for (let i = 0; ; i++) {
    const n = (i % perProvider === 0 ? 8 : 0) + memberYear(i, seed, perProvider).resources.length;
    if (produced + n > size) return complete;
    produced += n;
    complete++;
  }
}
