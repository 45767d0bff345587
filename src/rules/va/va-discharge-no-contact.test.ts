import { buildScenario, check } from '../testing';
import { EXT } from '../../prss/terminology';
import { vaDischargeNoContact } from './va-discharge-no-contact';

// Scenario sessions: 2026-01-12, 02-03, 02-17, 03-03, then the billed one. Turning the February and
// March ones into telephone calls leaves 2026-01-12 as the last face-to-face session.
const lastFaceToFaceJan12 = (serviceDate: string) => {
  const s = buildScenario({ serviceDate });
  for (const e of s.sessions) {
    const day = e.period!.start!.slice(0, 10);
    if (e !== s.session && day > '2026-01-12') e.extension!.find((x) => x.url === EXT.contactMode)!.valueCode = 'telephone';
  }
  return s;
};

describe('va-discharge-no-contact', () => {
  it('passes the clean scenario (face-to-face every month)', () => {
    expect(check(vaDischargeNoContact, buildScenario())).toEqual([]);
  });

  it('on 2026-03-31, with only February whole and without a face-to-face session, the line passes', () => {
    expect(check(vaDischargeNoContact, lastFaceToFaceJan12('2026-03-31'))).toEqual([]);
  });

  it('on 2026-04-01, after February and March without a face-to-face session, va-discharge-no-contact rejects the line', () => {
    const f = check(vaDischargeNoContact, lastFaceToFaceJan12('2026-04-01'));
    expect(vaDischargeNoContact.severity).toBe('error');
    expect(f).toEqual([expect.objectContaining({ expression: 'Claim.item[0].servicedDate', item: 0, allowedUnits: 0 })]);
    expect(f[0].diagnostics).toContain('2026-03-31');
  });

  it('a new assessment after the discharge date makes the line billable again; one before it does not', () => {
    const s = lastFaceToFaceJan12('2026-04-01');
    s.assessment.authoredOn = '2026-03-20';
    expect(check(vaDischargeNoContact, s)).toHaveLength(1);
    s.assessment.authoredOn = '2026-04-01';
    expect(check(vaDischargeNoContact, s)).toEqual([]);
  });
});
