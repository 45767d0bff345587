import type { RuleOptions } from '../context';
import { buildScenario, check, type Scenario } from '../testing';
import { vaRrwpSignatures as rule } from './va-rrwp-signatures';

/** Findings as id, severity, expression and line. */
const found = (s: Scenario, o?: Partial<RuleOptions>) =>
  check(rule, s, 'US-VA', o).map((f) => ({ id: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const diagnostics = (s: Scenario, o?: Partial<RuleOptions>) => check(rule, s, 'US-VA', o).map((f) => f.diagnostics).join('\n');
import type { CarePlan, Practitioner, RelatedPerson } from 'fhir/r4';
import { CS, EXT } from '../../prss/terminology';
import { ref, signature } from '../../prss/scenario';

const AT_LINE = { id: 'va-rrwp-signatures', severity: 'error', expression: 'Claim.item[0]', item: 0 };
const signedBy = (s: Scenario, role: string) => s.plan.extension!.find((e) => e.url === EXT.signature && e.extension?.some((p) => p.url === 'role' && p.valueCode === role))!;
const setDate = (s: Scenario, role: string, day: string) => {
  signedBy(s, role).extension!.find((p) => p.url === 'date')!.valueDate = day;
};
const drop = (s: Scenario, role: string) => {
  s.plan.extension = s.plan.extension!.filter((e) => e !== signedBy(s, role));
};

describe('va-rrwp-signatures', () => {
  it('passes the clean scenario (all four signed by 2026-01-21; initiation 2026-01-12)', () => {
    expect(found(buildScenario())).toEqual([]);
  });
  it('allows the last signature on day 30 after service initiation', () => {
    const s = buildScenario();
    setDate(s, 'direct-supervisor', '2026-02-11');
    expect(found(s)).toEqual([]);
  });
  it('rejects a plan whose last signature is dated day 31 after service initiation', () => {
    const s = buildScenario();
    setDate(s, 'direct-supervisor', '2026-02-12');
    expect(found(s)).toEqual([AT_LINE]);
    expect(diagnostics(s)).toContain('RRWP CarePlan/rrwp-1');
    expect(diagnostics(s)).toContain('direct-supervisor signed 2026-02-12 (day 31)');
  });
  it('rejects a plan the member never signed, once the 30 days have passed', () => {
    const s = buildScenario();
    drop(s, 'member');
    expect(found(s)).toEqual([AT_LINE]);
    expect(diagnostics(s)).toContain('member not signed');
  });
  it('does not yet reject a missing signature while the plan is within its first 30 days', () => {
    const s = buildScenario({ serviceDate: '2026-02-11' });
    drop(s, 'member');
    expect(found(s)).toEqual([]);
  });
  it('rejects a qualified-practitioner signature by someone other than the recommending assessor', () => {
    const s = buildScenario();
    signedBy(s, 'qualified-practitioner').extension!.find((p) => p.url === 'party')!.valueReference = ref(s.supervisorRole);
    expect(found(s)).toEqual([AT_LINE]);
    expect(diagnostics(s)).toContain(`qualified-practitioner signed by PractitionerRole/${s.supervisorRole.id}`);
  });
  it('accepts the assessor signing as the Practitioner rather than the PractitionerRole', () => {
    const s = buildScenario();
    signedBy(s, 'qualified-practitioner').extension!.find((p) => p.url === 'party')!.valueReference = ref(s.assessor);
    expect(found(s)).toEqual([]);
  });
  it('wants the supervising CATP, not the CSAC assessor, as the qualified practitioner', () => {
    const s = buildScenario();
    const catp: Practitioner = { resourceType: 'Practitioner', id: 'catp-1', qualification: [{ code: { coding: [{ system: CS.credential, code: 'catp' }] } }] };
    s.assessor.qualification = [{ code: { coding: [{ system: CS.credential, code: 'csac' }] } }];
    s.assessment.extension!.push({ url: EXT.supervisingPractitioner, valueReference: ref(catp) });
    const withCatp = { ...s, resources: () => [...s.resources(), catp] };
    expect(found(withCatp)).toEqual([AT_LINE]);
    signedBy(s, 'qualified-practitioner').extension!.find((p) => p.url === 'party')!.valueReference = ref(catp);
    expect(found(withCatp)).toEqual([]);
  });
  it('requires the caregiver\'s signature for an FSP plan', () => {
    const s = buildScenario({ birthDate: '2012-04-01' });
    const mother: RelatedPerson = { resourceType: 'RelatedPerson', id: 'mother-1', patient: ref(s.member) };
    s.session.serviceType = { coding: [{ system: CS.service, code: 'fsp' }] };
    const withMother = { ...s, resources: () => [...s.resources(), mother] };
    expect(found(withMother)).toEqual([AT_LINE]);
    expect(diagnostics(withMother)).toContain('caregiver not signed');
    s.plan.extension!.push(signature('caregiver', ref(mother), '2026-01-20'));
    expect(found(withMother)).toEqual([]);
  });
  it('gives a plan that takes over from an earlier one 30 days from its own start', () => {
    const build = (signedOn: string) => {
      const s = buildScenario({ serviceDate: '2026-04-15' });
      s.plan.period = { start: '2026-01-12', end: '2026-02-28' };
      const update: CarePlan = {
        ...s.plan, id: 'rrwp-update', period: { start: '2026-03-01' },
        extension: s.plan.extension!.map((e) => (e.url === EXT.signature
          ? { ...e, extension: e.extension!.map((p) => (p.url === 'date' ? { ...p, valueDate: signedOn } : p)) } : e)),
      };
      s.session.extension = s.session.extension!.map((e) => (e.url === EXT.rrwp ? { ...e, valueReference: ref(update) } : e));
      return { ...s, resources: () => [...s.resources(), update] };
    };
    expect(found(build('2026-03-31'))).toEqual([]);
    const late = build('2026-04-01');
    expect(found(late)).toEqual([AT_LINE]);
    expect(diagnostics(late)).toContain('RRWP CarePlan/rrwp-update must be signed and dated within 30 calendar days of the start of this plan');
  });
});
