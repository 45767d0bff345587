/**
 * The generator is the benchmark's input: it must be deterministic for a seed, sized exactly, and
 * in the domain model's shapes (a year of ≈150 sessions, a note and a claim per session, four reviews).
 */
import type { Claim, DocumentReference, Encounter } from 'fhir/r4';
import { ResourceBag, defaultRuleOptions } from '../src/rules/context';
import { runRules } from '../src/rules/engine';
import '../src/rules/index';
import { bundles, completeMembers, memberYear, resources, staffResources } from './generate';

describe('bench data generator', () => {
  it('gives byte-identical bundles for the same seed and different ones for another seed', () => {
    const a = JSON.stringify([...bundles({ size: 1000, seed: 7 })]);
    expect(JSON.stringify([...bundles({ size: 1000, seed: 7 })])).toBe(a);
    expect(JSON.stringify([...bundles({ size: 1000, seed: 8 })])).not.toBe(a);
  });

  it('stops at exactly the requested size, in transaction bundles of 100 PUT entries', () => {
    const bs = [...bundles({ size: 1050 })];
    expect(bs.map((b) => b.entry!.length)).toEqual([...Array(10).fill(100), 50]);
    expect(bs.every((b) => b.type === 'transaction')).toBe(true);
    const e = bs[3].entry![5];
    expect(e.request).toEqual({ method: 'PUT', url: `${e.resource!.resourceType}/${e.resource!.id}` });
  });

  it('continues a stream with `from` exactly where a shorter one stopped', () => {
    const all = [...resources({ size: 900 })].map((r) => `${r.resourceType}/${r.id}`);
    const tail = [...resources({ size: 900, from: 400 })].map((r) => `${r.resourceType}/${r.id}`);
    expect(tail).toEqual(all.slice(400));
  });

  it('gives a member a year of about 150 sessions, each with a progress note and a claim, and a plan with four reviews', () => {
    const y = memberYear(3);
    expect(y.sessions.length).toBeGreaterThanOrEqual(140);
    expect(y.sessions.length).toBeLessThanOrEqual(156);
    expect(y.claims).toHaveLength(y.sessions.length);
    const notes = y.resources.filter((r): r is DocumentReference => r.resourceType === 'DocumentReference');
    expect(notes).toHaveLength(y.sessions.length);
    expect(y.plan.extension!.filter((e) => e.url.endsWith('/review'))).toHaveLength(4);
    const claim: Claim = y.claims[20];
    const session: Encounter = y.sessions[20];
    expect(claim.item![0].encounter![0].reference).toBe(`Encounter/${session.id}`);
    expect(claim.item![0].servicedDate).toBe(session.period!.start!.slice(0, 10));
    const minutes = (Date.parse(session.period!.end!) - Date.parse(session.period!.start!)) / 60000;
    expect(claim.item![0].quantity!.value).toBe(Math.floor(minutes / 15));
  });

  it('raises none of the rules of issue 25 on a member year: coverage in force, PRS qualifications, enrolled assessor, activities on every session', () => {
    const y = memberYear(3);
    const bag = new ResourceBag([...staffResources(y.scenario), ...y.resources]);
    const added = new Set(['coverage-active', 'va-prs-qualifications', 'va-assessor-enrolled', 'va-session-activities']);
    const fired = y.claims.flatMap((claim) => runRules({ jurisdiction: 'US-VA', claim, data: bag, options: defaultRuleOptions })
      .filter((r) => added.has(r.rule.id)).map((r) => `${claim.id}: ${r.rule.id}`));
    expect(y.claims.length).toBeGreaterThan(100);
    expect(fired).toEqual([]);
  });

  it('shares one provider and its staff among ten members, written once before the first of them', () => {
    const ids = [...resources({ size: 5000 })].map((r) => `${r.resourceType}/${r.id}`);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((k) => k.startsWith('Organization/provider-'))).toEqual(['Organization/provider-p0', 'Organization/provider-p1']);
    // The second group's staff comes right before its first member (m10).
    expect(ids.indexOf('PractitionerRole/lmhp-role-p1') + 1).toBe(ids.indexOf('Patient/member-m10'));
    expect(memberYear(9).scenario.prsRole.id).toBe(memberYear(0).scenario.prsRole.id);
    expect(memberYear(10).scenario.prsRole.id).not.toBe(memberYear(0).scenario.prsRole.id);
  });

  it('counts the members a stream covers completely', () => {
    const perMember = memberYear(0).resources.length + 8;
    expect(completeMembers(perMember - 1)).toBe(0);
    expect(completeMembers(perMember)).toBe(1);
  });
});
