import { buildScenario, check } from '../testing';
import { ref, type Scenario } from '../../prss/scenario';
import { CS, EXT, SYSTEM } from '../../prss/terminology';
import { vaGroupRatio } from './va-group-ratio';

const group = (size?: number): Scenario => {
  const s = buildScenario();
  s.session.type!.find((t) => t.coding?.[0].system === CS.delivery)!.coding![0].code = 'group';
  if (size !== undefined) s.session.extension!.push({ url: EXT.groupSize, valueInteger: size });
  s.claim.item![0].productOrService.coding![0].code = 'S9445';
  return s;
};

describe('va-group-ratio', () => {
  it('passes the clean scenario (individual session)', () => {
    expect(check(vaGroupRatio, buildScenario())).toEqual([]);
  });

  it('a group of 10 members with one PRS passes', () => {
    expect(check(vaGroupRatio, group(10))).toEqual([]);
  });

  it('when a group of 11 members has one PRS, va-group-ratio rejects the line', () => {
    const f = check(vaGroupRatio, group(11));
    expect(vaGroupRatio.severity).toBe('error');
    expect(f).toEqual([expect.objectContaining({ expression: 'Claim.item[0].encounter', item: 0 })]);
    expect(f[0].diagnostics).toContain('11 members for 1 PRS');
  });

  it('with two PRS, 20 members pass and 21 fail', () => {
    const two = (size: number) => {
      const s = group(size);
      s.session.participant!.push({ type: [{ coding: [{ system: SYSTEM.participationType, code: 'SPRF' }] }], individual: ref(s.supervisorRole) });
      return s;
    };
    expect(check(vaGroupRatio, two(20))).toEqual([]);
    expect(check(vaGroupRatio, two(21))).toHaveLength(1);
  });

  it('a group session that records no group-size is rejected', () => {
    expect(check(vaGroupRatio, group())[0].diagnostics).toContain('no group-size');
  });
});
