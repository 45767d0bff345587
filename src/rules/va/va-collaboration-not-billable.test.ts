import { buildScenario, check } from '../testing';
import type { Scenario } from '../../prss/scenario';
import { CS, EXT } from '../../prss/terminology';
import { vaCollaborationNotBillable } from './va-collaboration-not-billable';

const collaboration = (present: boolean): Scenario => {
  const s = buildScenario();
  s.session.type = [{ coding: [{ system: CS.encounterKind, code: 'collaboration' }] }];
  s.session.extension!.find((e) => e.url === EXT.memberPresent)!.valueBoolean = present;
  return s;
};

describe('va-collaboration-not-billable', () => {
  it('passes the clean scenario (a session, not a collaboration)', () => {
    expect(check(vaCollaborationNotBillable, buildScenario())).toEqual([]);
  });

  it('a collaboration with the member present and an active release is billable', () => {
    expect(check(vaCollaborationNotBillable, collaboration(true))).toEqual([]);
  });

  it('when the collaboration took place without the member, va-collaboration-not-billable rejects the line', () => {
    const f = check(vaCollaborationNotBillable, collaboration(false));
    expect(vaCollaborationNotBillable.severity).toBe('error');
    expect(f).toEqual([expect.objectContaining({ expression: 'Claim.item[0].encounter', item: 0 })]);
    expect(f[0].diagnostics).toContain('without the member present');
  });

  it('when the release of information expired the day before, the collaboration is rejected', () => {
    const s = collaboration(true);
    s.release.provision = { period: { start: '2026-01-12', end: '2026-03-09' } };
    expect(check(vaCollaborationNotBillable, s)).toHaveLength(1);
    s.release.provision = { period: { start: '2026-01-12', end: '2026-03-10' } };
    expect(check(vaCollaborationNotBillable, s)).toEqual([]);
  });

  it('a release that is not active does not count', () => {
    const s = collaboration(true);
    s.release.status = 'inactive';
    expect(check(vaCollaborationNotBillable, s)[0].diagnostics).toContain('no active release');
  });
});
