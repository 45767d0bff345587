import { buildScenario, check } from '../testing';
import { CS, EXT } from '../../prss/terminology';
import { vaMemberPresent } from './va-member-present';

describe('va-member-present', () => {
  it('passes the clean scenario (member present)', () => {
    expect(check(vaMemberPresent, buildScenario())).toEqual([]);
  });

  it('when the session records the member as absent, va-member-present rejects the line', () => {
    const s = buildScenario();
    s.session.extension!.find((e) => e.url === EXT.memberPresent)!.valueBoolean = false;
    const f = check(vaMemberPresent, s);
    expect(vaMemberPresent.severity).toBe('error');
    expect(f).toEqual([expect.objectContaining({ expression: 'Claim.item[0].encounter', item: 0 })]);
  });

  it('when member-present is not recorded at all, the line is rejected', () => {
    const s = buildScenario();
    s.session.extension = s.session.extension!.filter((e) => e.url !== EXT.memberPresent);
    expect(check(vaMemberPresent, s)).toHaveLength(1);
  });

  it('for Family Support Partners the caregiver taking part counts as presence', () => {
    const s = buildScenario({ birthDate: '2010-05-01' });
    s.session.serviceType = { coding: [{ system: CS.service, code: 'fsp' }] };
    s.session.extension!.find((e) => e.url === EXT.memberPresent)!.valueBoolean = false;
    expect(check(vaMemberPresent, s)).toHaveLength(1);
    s.session.participant!.push({ individual: { reference: 'RelatedPerson/caregiver-1' } });
    expect(check(vaMemberPresent, s)).toEqual([]);
  });

  it('for Peer Support Services a caregiver taking part does not stand in for the absent member (the reading covers FSP only)', () => {
    const s = buildScenario();
    s.session.extension!.find((e) => e.url === EXT.memberPresent)!.valueBoolean = false;
    s.session.participant!.push({ individual: { reference: 'RelatedPerson/caregiver-1' } });
    expect(check(vaMemberPresent, s)).toEqual([expect.objectContaining({ expression: 'Claim.item[0].encounter', item: 0 })]);
  });
});
