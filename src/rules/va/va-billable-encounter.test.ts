import { buildScenario, check } from '../testing';
import { ref } from '../../prss/scenario';
import { CS } from '../../prss/terminology';
import { vaBillableEncounter } from './va-billable-encounter';

describe('va-billable-encounter', () => {
  it('passes the clean scenario: a finished session', () => {
    expect(check(vaBillableEncounter, buildScenario())).toEqual([]);
  });

  it('when the line bills a contact attempt, va-billable-encounter rejects Claim.item[0].encounter', () => {
    const s = buildScenario();
    s.session.type![0].coding![0].code = 'contact-attempt';
    s.session.status = 'cancelled';
    const f = check(vaBillableEncounter, s);
    expect(vaBillableEncounter.severity).toBe('error');
    expect(f).toEqual([expect.objectContaining({ expression: 'Claim.item[0].encounter', item: 0 })]);
    expect(f[0].diagnostics).toContain('contact-attempt');
  });

  it('when the line bills a supervision meeting, va-billable-encounter rejects it', () => {
    const s = buildScenario();
    s.claim.item![0].encounter = [ref(s.supervisions[2])];
    expect(check(vaBillableEncounter, s).map((f) => f.expression)).toEqual(['Claim.item[0].encounter']);
  });

  it('when the session was cancelled, va-billable-encounter rejects it', () => {
    const s = buildScenario();
    s.session.status = 'cancelled';
    expect(check(vaBillableEncounter, s)).toHaveLength(1);
  });

  it('a finished collaboration is left to va-collaboration-not-billable', () => {
    const s = buildScenario();
    s.session.type = [{ coding: [{ system: CS.encounterKind, code: 'collaboration' }] }];
    expect(check(vaBillableEncounter, s)).toEqual([]);
  });
});
