import type { RuleOptions } from '../context';
import { buildScenario, check, type Scenario } from '../testing';
import { vaRrwpReviewDocumented as rule } from './va-rrwp-review-documented';

/** Findings as id, severity, expression and line. */
const found = (s: Scenario, o?: Partial<RuleOptions>) =>
  check(rule, s, 'US-VA', o).map((f) => ({ id: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const diagnostics = (s: Scenario, o?: Partial<RuleOptions>) => check(rule, s, 'US-VA', o).map((f) => f.diagnostics).join('\n');
import type { Extension, RelatedPerson } from 'fhir/r4';
import { CS, EXT } from '../../prss/terminology';
import { ref } from '../../prss/scenario';

const AT_LINE = { id: 'va-rrwp-review-documented', severity: 'warning', expression: 'Claim.item[0]', item: 0 };
const sig = (role: string, party: { resourceType: string; id?: string }, day: string): Extension =>
  ({ url: 'signature', extension: [{ url: 'role', valueCode: role }, { url: 'party', valueReference: ref(party) }, { url: 'date', valueDate: day }] });

/** The scenario (service 2026-03-10) with a review held on `held`. */
function reviewed(held: string, documented: string | undefined, signers: ('prs' | 'member')[] = ['prs', 'member']) {
  const s = buildScenario();
  const parties = { prs: s.prsRole, member: s.member };
  s.plan.extension!.push({
    url: EXT.review,
    extension: [
      { url: 'date', valueDate: held },
      ...(documented ? [{ url: 'documented', valueDate: documented }] : []),
      ...signers.map((r) => sig(r, parties[r], held)),
    ],
  });
  return s;
}

describe('va-rrwp-review-documented', () => {
  it('passes the clean scenario (no review yet)', () => {
    expect(found(buildScenario())).toEqual([]);
  });
  it('accepts a review documented on day 15 after it', () => {
    expect(found(reviewed('2026-02-20', '2026-03-07'))).toEqual([]);
  });
  it('warns about a review documented on day 16 after it', () => {
    const s = reviewed('2026-02-20', '2026-03-08');
    expect(found(s)).toEqual([AT_LINE]);
    expect(diagnostics(s)).toContain('documented 2026-03-08, 16 days after the review (limit 15, by 2026-03-07)');
  });
  it('warns about a review never documented once its 15 days have passed, not before', () => {
    expect(found(reviewed('2026-02-20', undefined))).toEqual([AT_LINE]);
    expect(found(reviewed('2026-03-01', undefined))).toEqual([]);
  });
  it('warns about a review the member did not sign', () => {
    const s = reviewed('2026-02-20', '2026-02-20', ['prs']);
    expect(found(s)).toEqual([AT_LINE]);
    expect(diagnostics(s)).toContain('not signed by the member');
  });
  it('wants the caregiver\'s signature on a review of an FSP plan', () => {
    const s = reviewed('2026-02-20', '2026-02-20');
    s.session.serviceType = { coding: [{ system: CS.service, code: 'fsp' }] };
    const mother: RelatedPerson = { resourceType: 'RelatedPerson', id: 'mother-1', patient: ref(s.member) };
    const withMother = { ...s, resources: () => [...s.resources(), mother] };
    expect(found(withMother)).toEqual([AT_LINE]);
    s.plan.extension!.at(-1)!.extension!.push(sig('caregiver', mother, '2026-02-20'));
    expect(found(withMother)).toEqual([]);
  });
  it('ignores a review held after the date of service', () => {
    expect(found(reviewed('2026-03-11', undefined, []))).toEqual([]);
  });
});
