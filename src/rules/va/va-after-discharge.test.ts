import { buildScenario, check } from '../testing';
import { EXT } from '../../prss/terminology';
import { vaAfterDischarge } from './va-after-discharge';

// The billed session is 2026-03-10.
const dischargedOn = (end: string) => {
  const s = buildScenario();
  s.plan.status = 'completed';
  s.plan.period = { start: '2026-01-12', end };
  return s;
};

describe('va-after-discharge', () => {
  it('passes the clean scenario (active plan)', () => {
    expect(check(vaAfterDischarge, buildScenario())).toEqual([]);
  });

  it('a service on the discharge date itself (2026-03-10) is billable', () => {
    expect(check(vaAfterDischarge, dischargedOn('2026-03-10'))).toEqual([]);
  });

  it('when the member was discharged on 2026-03-09, va-after-discharge rejects the 2026-03-10 line', () => {
    const f = check(vaAfterDischarge, dischargedOn('2026-03-09'));
    expect(vaAfterDischarge.severity).toBe('error');
    expect(f).toEqual([expect.objectContaining({ expression: 'Claim.item[0].servicedDate', item: 0, allowedUnits: 0 })]);
  });

  it('a revoked plan discharges too; a new assessment after the discharge date makes the line billable', () => {
    const s = dischargedOn('2026-03-05');
    s.plan.status = 'revoked';
    expect(check(vaAfterDischarge, s)).toHaveLength(1);
    s.assessment.authoredOn = '2026-03-06';
    expect(check(vaAfterDischarge, s)).toEqual([]);
  });

  it('a discharge from the MH program does not stop ARTS billing', () => {
    const s = dischargedOn('2026-03-05');
    s.plan.extension!.find((e) => e.url === EXT.program)!.valueCode = 'mh';
    expect(check(vaAfterDischarge, s)).toEqual([]);
  });
});
