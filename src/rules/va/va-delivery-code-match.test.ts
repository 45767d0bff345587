import { buildScenario, check } from '../testing';
import type { Scenario } from '../../prss/scenario';
import { CS } from '../../prss/terminology';
import { vaDeliveryCodeMatch } from './va-delivery-code-match';

const makeGroup = (s: Scenario) => {
  s.session.type!.find((t) => t.coding?.[0].system === CS.delivery)!.coding![0].code = 'group';
};

describe('va-delivery-code-match', () => {
  it('passes the clean individual session billed T1012', () => {
    expect(check(vaDeliveryCodeMatch, buildScenario())).toEqual([]);
  });

  it('when a group session is billed with the individual code T1012, va-delivery-code-match rejects the code', () => {
    const s = buildScenario();
    makeGroup(s);
    const f = check(vaDeliveryCodeMatch, s);
    expect(vaDeliveryCodeMatch.severity).toBe('error');
    expect(f).toEqual([expect.objectContaining({ expression: 'Claim.item[0].productOrService', item: 0 })]);
  });

  it('a group session billed S9445 passes', () => {
    const s = buildScenario();
    makeGroup(s);
    s.claim.item![0].productOrService.coding![0].code = 'S9445';
    expect(check(vaDeliveryCodeMatch, s)).toEqual([]);
  });

  it('when an individual MH session is billed with the group code H0025, va-delivery-code-match rejects it', () => {
    const s = buildScenario({ program: 'mh' });
    s.claim.item![0].productOrService.coding![0].code = 'H0025';
    expect(check(vaDeliveryCodeMatch, s).map((f) => f.expression)).toEqual(['Claim.item[0].productOrService']);
  });
});
