import type { RuleOptions } from '../context';
import { buildScenario, check, type Scenario } from '../testing';
import { vaFspCaregiver as rule } from './va-fsp-caregiver';

/** Findings as id, severity, expression and line. */
const found = (s: Scenario, o?: Partial<RuleOptions>) =>
  check(rule, s, 'US-VA', o).map((f) => ({ id: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const diagnostics = (s: Scenario, o?: Partial<RuleOptions>) => check(rule, s, 'US-VA', o).map((f) => f.diagnostics).join('\n');
import type { RelatedPerson } from 'fhir/r4';
import { CS, EXT } from '../../prss/terminology';
import { ref } from '../../prss/scenario';

const AT_SESSION = { id: 'va-fsp-caregiver', severity: 'error', expression: 'Claim.item[0].encounter[0]', item: 0 };

/** An FSP session delivered to the member's mother, documenting the benefit to the youth. */
function fsp(paid: boolean | 'not recorded' = false) {
  const s = buildScenario({ birthDate: '2012-04-01' });
  const mother: RelatedPerson = {
    resourceType: 'RelatedPerson', id: 'mother-1', patient: ref(s.member),
    relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'MTH' }] }],
    extension: paid === 'not recorded' ? [] : [{ url: EXT.paidCaregiver, valueBoolean: paid }],
  };
  s.session.serviceType = { coding: [{ system: CS.service, code: 'fsp' }] };
  s.session.participant!.push({ individual: ref(mother) });
  s.session.extension!.push({ url: EXT.youthBenefit, valueString: 'Mother practises de-escalation plan for her son at home' });
  return { s: { ...s, resources: () => [...s.resources(), mother] }, session: s.session };
}

describe('va-fsp-caregiver', () => {
  it('passes the clean scenario and an FSP session with an unpaid caregiver and documented youth benefit', () => {
    expect(found(buildScenario())).toEqual([]);
    expect(found(fsp().s)).toEqual([]);
  });
  it('rejects FSP delivered to a paid caregiver', () => {
    const { s } = fsp(true);
    expect(found(s)).toEqual([AT_SESSION]);
    expect(diagnostics(s)).toContain('paid-caregiver true');
  });
  it('rejects FSP when the caregiver is not shown to be unpaid', () => {
    expect(found(fsp('not recorded').s)).toEqual([AT_SESSION]);
  });
  it('rejects FSP with no caregiver participant', () => {
    const { s, session } = fsp();
    session.participant = session.participant!.slice(0, 1);
    expect(found(s)).toEqual([AT_SESSION]);
    expect(diagnostics(s)).toContain('names no caregiver');
  });
  it('rejects FSP that does not document how it benefits the youth', () => {
    const { s, session } = fsp();
    session.extension = session.extension!.filter((e) => e.url !== EXT.youthBenefit);
    expect(found(s)).toEqual([AT_SESSION]);
    expect(diagnostics(s)).toContain('youth-benefit');
  });
});
