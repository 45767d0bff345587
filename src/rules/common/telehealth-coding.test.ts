import type { Coding } from 'fhir/r4';
import { buildScenario, check } from '../testing';
import { EXT, SYSTEM } from '../../prss/terminology';
import type { Scenario } from '../../prss/scenario';
import { telehealthCoding } from './telehealth-coding';

const setMode = (s: Scenario, mode: string) => {
  s.session.extension!.find((e) => e.url === EXT.contactMode)!.valueCode = mode;
};
const code = (s: Scenario, pos: string, modifiers: Coding[]) => {
  s.claim.item![0].locationCodeableConcept = { coding: [{ system: SYSTEM.placeOfService, code: pos }] };
  s.claim.item![0].modifier = modifiers.map((c) => ({ coding: [c] }));
};
const CPT95 = { system: SYSTEM.cpt, code: '95' };
const CPT93 = { system: SYSTEM.cpt, code: '93' };
const GT = { system: SYSTEM.hcpcs, code: 'GT' };
const FQ = { system: SYSTEM.hcpcs, code: 'FQ' };

describe('telehealth-coding', () => {
  it('passes the clean in-person scenario (POS 11, no modifier)', () => {
    expect(check(telehealthCoding, buildScenario())).toEqual([]);
  });

  it.each([['02', CPT95], ['10', GT]])('a video session billed with POS %s and its modifier passes', (pos, mod) => {
    const s = buildScenario();
    setMode(s, 'telehealth-video');
    code(s, pos, [mod]);
    expect(check(telehealthCoding, s)).toEqual([]);
  });

  it('when a video session is billed with POS 11 and no modifier, telehealth-coding warns on both elements', () => {
    const s = buildScenario();
    setMode(s, 'telehealth-video');
    const f = check(telehealthCoding, s);
    expect(telehealthCoding.severity).toBe('warning');
    expect(f.map((x) => x.expression)).toEqual(['Claim.item[0].locationCodeableConcept', 'Claim.item[0].modifier']);
    expect(f.every((x) => x.item === 0 && x.allowedUnits === undefined)).toBe(true);
  });

  it.each([[CPT93], [FQ]])('a telephone session billed with %o passes', (mod) => {
    const s = buildScenario();
    setMode(s, 'telephone');
    code(s, '10', [mod]);
    expect(check(telehealthCoding, s)).toEqual([]);
  });

  it('when a telephone session is billed with the video modifier 95, telehealth-coding warns on the modifier', () => {
    const s = buildScenario();
    setMode(s, 'telephone');
    code(s, '10', [CPT95]);
    expect(check(telehealthCoding, s).map((x) => x.expression)).toEqual(['Claim.item[0].modifier']);
  });

  it('when an in-person session carries POS 02 and GT, telehealth-coding warns on both', () => {
    const s = buildScenario();
    code(s, '02', [GT]);
    expect(check(telehealthCoding, s).map((x) => x.expression)).toEqual(['Claim.item[0].locationCodeableConcept', 'Claim.item[0].modifier']);
  });
});
