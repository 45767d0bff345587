/** Local value set expansion: what can be enumerated is, what cannot is reported as unknowable. */
import type { CodeSystem, ValueSet } from 'fhir/r4';
import { DefinitionRegistry } from './definitions';
import { Terminology } from './terminology';

const T = 'http://test.example.org/fhir';
const colours: CodeSystem = {
  resourceType: 'CodeSystem', url: `${T}/CodeSystem/colour`, status: 'active', content: 'complete',
  concept: [{ code: 'warm', concept: [{ code: 'red' }, { code: 'orange', concept: [{ code: 'amber' }] }] }, { code: 'blue' }],
};
const partial: CodeSystem = { resourceType: 'CodeSystem', url: `${T}/CodeSystem/partial`, status: 'active', content: 'fragment', concept: [{ code: 'a' }] };
const vs = (id: string, compose: ValueSet['compose']): ValueSet => ({ resourceType: 'ValueSet', url: `${T}/ValueSet/${id}`, status: 'active', compose });

const terminology = new Terminology(new DefinitionRegistry([
  colours, partial,
  vs('all', { include: [{ system: colours.url }] }),
  vs('warm', { include: [{ system: colours.url, filter: [{ property: 'concept', op: 'is-a', value: 'warm' }] }] }),
  vs('warm-only-children', { include: [{ system: colours.url, filter: [{ property: 'concept', op: 'descendent-of', value: 'warm' }] }], exclude: [{ system: colours.url, concept: [{ code: 'amber' }] }] }),
  vs('imported', { include: [{ valueSet: [`${T}/ValueSet/warm`] }, { system: 'http://example.org/other', concept: [{ code: 'x' }] }] }),
  vs('loinc', { include: [{ system: 'http://loinc.org' }] }),
  vs('fragment', { include: [{ system: partial.url }] }),
  vs('hcpcs', { include: [{ system: 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets', concept: [{ code: 'T1012' }] }] }),
]));
const codes = (url: string) => {
  const e = terminology.expand(url);
  return e && [...e.bySystem].map(([s, c]) => `${s}: ${[...c].sort().join(' ')}`);
};

describe('Terminology', () => {
  it('expands a whole complete code system, nested concepts included', () => {
    expect(codes(`${T}/ValueSet/all`)).toEqual([`${colours.url}: amber blue orange red warm`]);
  });

  it('expands is-a and descendent-of filters over the hierarchy, and applies excludes', () => {
    expect(codes(`${T}/ValueSet/warm`)).toEqual([`${colours.url}: amber orange red warm`]);
    expect(codes(`${T}/ValueSet/warm-only-children|1.0`)).toEqual([`${colours.url}: orange red`]);
  });

  it('expands imported value sets beside explicit concepts', () => {
    expect(codes(`${T}/ValueSet/imported`)).toEqual([`${colours.url}: amber orange red warm`, 'http://example.org/other: x']);
  });

  it('declines what needs a terminology server or is only partly published', () => {
    expect(terminology.expand(`${T}/ValueSet/loinc`)).toBeUndefined();
    expect(terminology.expand(`${T}/ValueSet/fragment`)).toBeUndefined();
    expect(terminology.expand(`${T}/ValueSet/none`)).toBeUndefined();
    expect(terminology.codeInSystem(partial.url!, 'zzz')).toBeUndefined();
    expect(terminology.codeInSystem('http://loinc.org', '1234-5')).toBeUndefined();
  });

  it('treats the two spellings of the HCPCS system as one', () => {
    expect(codes(`${T}/ValueSet/hcpcs`)).toEqual(['http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets: T1012']);
  });

  it('expands core value sets, including v3 hierarchies (ActEncounterCode)', () => {
    const core = new Terminology(new DefinitionRegistry());
    expect([...core.expand('http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1')!.codes].sort()).toEqual(['female', 'male', 'other', 'unknown']);
    const enc = core.expand('http://terminology.hl7.org/ValueSet/v3-ActEncounterCode')!.codes;
    expect(['AMB', 'HH', 'VR', 'IMP'].every((c) => enc.has(c))).toBe(true);
    expect(enc.has('_ActEncounterCode')).toBe(false);
    expect(enc.has('CASH')).toBe(false);
    expect(core.codeInSystem('http://terminology.hl7.org/CodeSystem/v3-ActCode', 'AMB')).toBe(true);
    expect(core.codeInSystem('http://terminology.hl7.org/CodeSystem/v3-ActCode', 'NOPE')).toBe(false);
  });
});
