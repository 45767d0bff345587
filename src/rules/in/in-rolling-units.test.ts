import type { Claim, FhirResource } from 'fhir/r4';
import { CS } from '../../prss/terminology';
import { buildScenario, check, type Scenario } from '../testing';
import { inRollingUnits as rule } from './in-rolling-units';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item, allowedUnits: f.allowedUnits }));
const scenario = () => buildScenario({ jurisdiction: 'US-IN' });
const store = (s: Scenario, ...more: FhirResource[]) => {
  const base = s.resources.bind(s);
  s.resources = () => [...base(), ...more];
};
/** A stored claim of the member billing `units` H0038 units on `day`. */
const billed = (s: Scenario, id: string, day: string, units: number): Claim => ({
  ...s.claim, id, identifier: [{ system: 'http://prss.example.org/fhir/sid/claim-number', value: id }],
  item: [{ ...s.claim.item![0], servicedDate: day, quantity: { value: units }, encounter: [] }],
});

describe('in-rolling-units', () => {
  it('passes 1,460 units in the rolling 12 months (1,456 stored + 4 billed)', () => {
    const s = scenario();
    store(s, billed(s, 'old-1', '2025-06-01', 1456));
    expect(issues(s)).toEqual([]);
  });

  it('rejects the line with in-rolling-units at 1,461 units, allowing the 3 that remain', () => {
    const s = scenario();
    store(s, billed(s, 'old-1', '2025-06-01', 1457));
    expect(issues(s)).toEqual([{ rule: 'in-rolling-units', severity: 'error', expression: 'Claim.item[0].quantity', item: 0, allowedUnits: 3 }]);
    expect(check(rule, s)[0].diagnostics).toBe(
      '1,461 units in the 12 months ending 2026-03-10 exceed the 1,460-unit limit without prior authorization (1,457 already billed).',
    );
  });

  it('starts the rolling window the day after the same date 12 months back', () => {
    const s = scenario();
    store(s, billed(s, 'old-1', '2025-03-10', 1000), billed(s, 'old-2', '2025-03-11', 457));
    expect(issues(s)).toEqual([]);
    store(s, billed(s, 'old-3', '2025-03-11', 1000));
    expect(issues(s)).toHaveLength(1);
  });

  it('counts the claim\'s own earlier lines against its later lines', () => {
    const s = scenario();
    store(s, billed(s, 'old-1', '2025-06-01', 1452));
    s.claim.item!.push({ ...s.claim.item![0], sequence: 2, servicedDate: '2026-03-11', quantity: { value: 6 } });
    expect(issues(s)).toEqual([{ rule: 'in-rolling-units', severity: 'error', expression: 'Claim.item[1].quantity', item: 1, allowedUnits: 4 }]);
  });

  it('judges a late line against a later window that already holds billed units', () => {
    const s = scenario();
    store(s, billed(s, 'later', '2026-09-01', 1458));
    expect(issues(s)).toEqual([{ rule: 'in-rolling-units', severity: 'error', expression: 'Claim.item[0].quantity', item: 0, allowedUnits: 2 }]);
    expect(check(rule, s)[0].diagnostics).toContain('12 months ending 2026-09-01');
  });

  it('allows units above 1,460 that a prior authorization covering the date approves', () => {
    const s = scenario();
    store(s, billed(s, 'old-1', '2025-06-01', 1500));
    s.claim.supportingInfo = [{ sequence: 1, category: { coding: [{ system: CS.supportingInfo, code: 'authorized-units' }] }, timingPeriod: { start: '2026-01-01', end: '2026-03-10' }, valueQuantity: { value: 44 } }];
    expect(issues(s)).toEqual([]);
    s.claim.supportingInfo[0].valueQuantity!.value = 43;
    expect(issues(s)).toEqual([{ rule: 'in-rolling-units', severity: 'error', expression: 'Claim.item[0].quantity', item: 0, allowedUnits: 3 }]);
  });

  it('does not count cancelled claims or another member\'s claims', () => {
    const s = scenario();
    const cancelled = { ...billed(s, 'old-1', '2025-06-01', 1457), status: 'cancelled' as const };
    const other = { ...billed(s, 'old-2', '2025-06-01', 1457), patient: { reference: 'Patient/someone-else' } };
    store(s, cancelled, other);
    expect(issues(s)).toEqual([]);
  });
});
