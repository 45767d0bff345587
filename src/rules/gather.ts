/**
 * Gather, once per request and in a few indexed queries, every resource the rules of a claim read:
 *  1. the member and everything that references the member (sessions, notes, plans, goals,
 *     assessments, diagnoses, coverages, claims, episodes, consents, caregivers);
 *  2. everything those name that is not yet gathered (practitioners, roles, provider, payer…);
 *  3. the staff's roles, their supervisors' roles and people, and the PRS's supervision meetings,
 *     other members' plans and sessions (caseload), limited to the windows the rules judge.
 * Rules then run as pure functions over the bag.
 */
import type { Claim, Encounter, PractitionerRole } from 'fhir/r4';
import { literalReferences } from '../fhir/literal-references';
import type { Repository, Resource } from '../store/repository';
import { ResourceBag, refKey } from './context';
import { addDays, lineDay } from './facts';

const STAFF = new Set(['Practitioner', 'PractitionerRole', 'Organization']);

export async function gatherClaimContext(repo: Repository, claim: Claim): Promise<ResourceBag> {
  const bag = new ResourceBag();
  const add = (rs: Resource[]) => rs.forEach((r) => bag.add(r));
  const missing = (keys: Iterable<string>) => [...new Set(keys)].filter((k) => {
    const i = k.indexOf('/');
    return !bag.has(k.slice(0, i), k.slice(i + 1));
  });

  // 1. The member and every record that names the member.
  const member = refKey(claim.patient);
  if (member) {
    add(await repo.readMany([member]));
    add(await repo.referencing([member]));
  }
  bag.add(claim as Resource);

  // 2. What those records name (one level), then staff named by the roles found.
  add(await repo.readMany(missing([...literalReferences(claim), ...bagRefs(bag)])));
  add(await repo.readMany(missing(bagRefs(bag).filter((k) => STAFF.has(k.slice(0, k.indexOf('/')))))));

  // 3. The staff's own records: roles of the practitioners, supervision, caseload.
  const people = bag.all('Practitioner').map((p) => `Practitioner/${p.id}`);
  const roles = bag.all<PractitionerRole>('PractitionerRole').map((r) => `PractitionerRole/${r.id}`);
  if (people.length || roles.length) {
    const days = (claim.item ?? []).map(lineDay).filter((d): d is string => !!d).sort();
    // Other members' sessions and supervision meetings matter only around the claim's dates: the
    // caseload looks 30 days back (va-caseload), supervision judges the calendar month of service
    // (va-supervision-frequency).
    const first = days[0];
    const last = days[days.length - 1];
    const encounterWindow = days.length
      ? { from: [addDays(first, -30), `${first.slice(0, 8)}01`].sort()[0], to: addDays(`${addDays(`${last.slice(0, 8)}28`, 4).slice(0, 8)}01`, -1) }
      : undefined;
    add(await repo.referencing([...people, ...roles], ['PractitionerRole', 'CarePlan', 'Encounter'], { encounterWindow }));
    // Supervisors (and their own supervisors) named by roles.
    for (let level = 0; level < 2; level++) add(await repo.readMany(missing(bagRefs(bag).filter((k) => STAFF.has(k.slice(0, k.indexOf('/')))))));
    const newPeople = bag.all('Practitioner').map((p) => `Practitioner/${p.id}`).filter((p) => !people.includes(p));
    if (newPeople.length) add(await repo.referencing(newPeople, ['PractitionerRole']));
  }
  return bag;
}

function bagRefs(bag: ResourceBag): string[] {
  const out: string[] = [];
  for (const type of ['Claim', 'Encounter', 'CarePlan', 'ServiceRequest', 'DocumentReference', 'Coverage', 'PractitionerRole', 'Consent', 'RelatedPerson', 'Organization', 'Patient', 'EpisodeOfCare', 'Condition', 'Goal']) {
    for (const r of bag.all(type as Resource['resourceType'])) out.push(...literalReferences(r));
  }
  return out;
}
