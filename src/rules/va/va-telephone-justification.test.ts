import { buildScenario, check } from '../testing';
import { EXT } from '../../prss/terminology';
import { vaTelephoneJustification } from './va-telephone-justification';

const byPhone = () => {
  const s = buildScenario();
  s.session.extension!.find((e) => e.url === EXT.contactMode)!.valueCode = 'telephone';
  return s;
};

describe('va-telephone-justification', () => {
  it('passes the clean in-person scenario', () => {
    expect(check(vaTelephoneJustification, buildScenario())).toEqual([]);
  });

  it('when a telephone session documents no justification, va-telephone-justification rejects the line', () => {
    const f = check(vaTelephoneJustification, byPhone());
    expect(vaTelephoneJustification.severity).toBe('error');
    expect(f).toEqual([expect.objectContaining({ expression: 'Claim.item[0].encounter', item: 0 })]);
  });

  it('a blank justification is no justification; a written one passes', () => {
    const s = byPhone();
    s.session.extension!.push({ url: EXT.telephoneJustification, valueString: '  ' });
    expect(check(vaTelephoneJustification, s)).toHaveLength(1);
    s.session.extension!.at(-1)!.valueString = 'Member snowed in; roads closed';
    expect(check(vaTelephoneJustification, s)).toEqual([]);
  });
});
