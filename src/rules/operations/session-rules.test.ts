import type { Claim, Encounter, FhirResource } from 'fhir/r4';
import { buildScenario, sessionEncounter } from '../../prss/scenario';
import { EXT } from '../../prss/terminology';
import { ResourceBag, defaultRuleOptions } from '../context';
import '../index';
import { checkSession } from './session-rules';

const s = buildScenario();
const codes = (c: ReturnType<typeof checkSession>) => c.issues.map((i) => [i.details?.coding?.[0].code, i.expression?.[0]]);
const check = (e: Encounter, extra: FhirResource[] = []) =>
  checkSession(new ResourceBag([...s.resources().filter((r) => r.id !== e.id), e, ...extra]), e, 'US-VA', defaultRuleOptions);

describe('checkSession', () => {
  it('the scenario\'s billed session passes every Virginia session rule', () => {
    expect(check(s.session)).toEqual({ issues: [] });
  });

  it('a session without the member present is reported by va-member-present at the extension', () => {
    const e = { ...s.session, extension: s.session.extension!.filter((x) => x.url !== EXT.memberPresent) };
    expect(codes(check(e))).toEqual([['va-member-present', `Encounter.extension.where(url='${EXT.memberPresent}')`]]);
  });

  it('a telephone session without justification is reported by va-telephone-justification', () => {
    const e = { ...s.session, extension: [...s.session.extension!.filter((x) => x.url !== EXT.contactMode), { url: EXT.contactMode, valueCode: 'telephone' }] };
    expect(codes(check(e))).toEqual([['va-telephone-justification', `Encounter.extension.where(url='${EXT.telephoneJustification}')`]]);
  });

  it('units billed for the session by stored claims beyond its time are reported once by va-unit-time at Encounter.period', () => {
    const over: Claim = { ...structuredClone(s.claim), item: [{ ...structuredClone(s.claim.item![0]), quantity: { value: 5 } }] };
    const c = check(s.session, [over]);
    expect(codes(c)).toEqual([['va-unit-time', 'Encounter.period']]);
    expect(c.issues[0].diagnostics).toContain('5 units');
  });

  it('a group session over ten members per PRS is reported by va-group-ratio', () => {
    const e = { ...s.session, type: [s.session.type![0], { coding: [{ system: 'http://prss.example.org/fhir/CodeSystem/prss-delivery', code: 'group' }] }], extension: [...s.session.extension!, { url: EXT.groupSize, valueInteger: 11 }] };
    expect(codes(check(e))).toContainEqual(['va-group-ratio', `Encounter.extension.where(url='${EXT.groupSize}')`]);
  });

  it('a session that records no activity is reported by va-session-activities at the activity extension (a warning)', () => {
    const e = { ...s.session, extension: s.session.extension!.filter((x) => x.url !== EXT.activity) };
    const c = check(e);
    expect(codes(c)).toEqual([['va-session-activities', `Encounter.extension.where(url='${EXT.activity}')`]]);
    expect(c.issues[0].severity).toBe('warning');
  });

  it('a session with no progress note is reported by va-progress-note', () => {
    const e = sessionEncounter('fresh', { member: s.member, prsRole: s.prsRole, plan: s.plan, goal: s.goal, program: 'arts', start: '2026-03-12T10:00:00-05:00', minutes: 30 });
    expect(codes(check(e))).toEqual([['va-progress-note', 'Encounter']]);
  });

  it('a contact attempt is not a service: no session rule applies', () => {
    const e = sessionEncounter('attempt', { member: s.member, prsRole: s.prsRole, program: 'arts', kind: 'contact-attempt', start: '2026-03-12T10:00:00-05:00', minutes: 5 });
    expect(check(e)).toEqual({ issues: [], skipped: 'the encounter is a contact-attempt, not a service session' });
  });

  it('Indiana: a telephone session is reported by in-face-to-face', () => {
    const si = buildScenario({ jurisdiction: 'US-IN', key: 'in' });
    const e = { ...si.session, extension: [...si.session.extension!.filter((x) => x.url !== EXT.contactMode), { url: EXT.contactMode, valueCode: 'telephone' }] };
    const c = checkSession(new ResourceBag([...si.resources().filter((r) => r.id !== e.id), e]), e, 'US-IN', defaultRuleOptions);
    expect(codes(c)).toContainEqual(['in-face-to-face', `Encounter.extension.where(url='${EXT.contactMode}')`]);
    expect(c.issues.every((i) => /^in-/.test(i.details!.coding![0].code!))).toBe(true);
  });
});
