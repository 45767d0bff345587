/** Expansion, subsumption, lookup and code validation over small in-memory code systems and value sets. */
import type { CodeSystem, ValueSet } from 'fhir/r4';
import { isOutcomeError } from '../outcomes';
import { TerminologyService, type TerminologySource } from './service';

const SYS = 'http://example.org/cs/animals';
const animals: CodeSystem = {
  resourceType: 'CodeSystem', url: SYS, version: '2', name: 'Animals', status: 'active', content: 'complete',
  concept: [
    { code: 'animal', display: 'Animal', concept: [
      { code: 'mammal', display: 'Mammal', concept: [
        { code: 'dog', display: 'Dog', designation: [{ language: 'fr', value: 'Chien' }] },
        { code: 'cat', display: 'Cat' },
      ] },
      { code: 'bird', display: 'Bird', property: [{ code: 'flies', valueBoolean: true }] },
    ] },
    { code: 'penguin', display: 'Penguin', property: [{ code: 'parent', valueCode: 'bird' }, { code: 'flies', valueBoolean: false }] },
    { code: 'rock', display: 'Rock' },
  ],
};
const fragment: CodeSystem = { resourceType: 'CodeSystem', url: 'http://example.org/cs/fragment', status: 'active', content: 'fragment', concept: [{ code: 'a' }] };

const vs = (id: string, compose: ValueSet['compose']): ValueSet => ({ resourceType: 'ValueSet', id, url: `http://example.org/vs/${id}`, status: 'active', compose });
const valueSets: ValueSet[] = [
  vs('all', { include: [{ system: SYS }] }),
  vs('mammals', { include: [{ system: SYS, filter: [{ property: 'concept', op: 'is-a', value: 'mammal' }] }] }),
  vs('below-animal', { include: [{ system: SYS, filter: [{ property: 'concept', op: 'descendent-of', value: 'animal' }] }], exclude: [{ system: SYS, concept: [{ code: 'cat' }] }] }),
  vs('one', { include: [{ system: SYS, filter: [{ property: 'concept', op: '=', value: 'rock' }] }] }),
  vs('listed', { include: [{ system: SYS, concept: [{ code: 'dog', display: 'Doggo' }, { code: 'rock' }] }] }),
  vs('imports', { include: [{ valueSet: ['http://example.org/vs/mammals'] }, { system: SYS, concept: [{ code: 'rock' }] }] }),
  vs('intersect', { include: [{ system: SYS, filter: [{ property: 'concept', op: 'is-a', value: 'animal' }], valueSet: ['http://example.org/vs/listed'] }] }),
  vs('snomed', { include: [{ system: 'http://snomed.info/sct' }, { system: SYS, concept: [{ code: 'dog' }] }] }),
  vs('odd-filter', { include: [{ system: SYS, filter: [{ property: 'concept', op: 'child-of-weird' as 'is-a', value: 'x' }] }] }),
  vs('flying', { include: [{ system: SYS, filter: [{ property: 'flies', op: '=', value: 'true' }] }] }),
  vs('loop', { include: [{ valueSet: ['http://example.org/vs/loop'] }] }),
];
const source: TerminologySource = {
  codeSystem: (url) => [animals, fragment].find((c) => c.url === url),
  valueSet: (url) => valueSets.find((v) => v.url === url),
};
const service = new TerminologyService(source);
const vsOf = (id: string) => source.valueSet(`http://example.org/vs/${id}`)!;
const codes = (v: ValueSet) => (v.expansion?.contains ?? []).map((c) => c.code);
const statusOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (isOutcomeError(e)) return [e.status, e.issues[0].code];
    throw e;
  }
  return 'no error';
};

describe('$subsumes over the nesting of concepts and the parent property', () => {
  it('answers equivalent, subsumes, subsumed-by and not-subsumed', () => {
    expect(service.subsumes(SYS, 'dog', 'dog')).toBe('equivalent');
    expect(service.subsumes(SYS, 'animal', 'dog')).toBe('subsumes'); // two levels of nesting
    expect(service.subsumes(SYS, 'dog', 'mammal')).toBe('subsumed-by');
    expect(service.subsumes(SYS, 'bird', 'penguin')).toBe('subsumes'); // by the `parent` property
    expect(service.subsumes(SYS, 'animal', 'penguin')).toBe('subsumes');
    expect(service.subsumes(SYS, 'dog', 'cat')).toBe('not-subsumed');
    expect(service.subsumes(SYS, 'rock', 'animal')).toBe('not-subsumed');
  });
  it('refuses a code the system does not have (400) and a system it does not hold (404)', () => {
    expect(statusOf(() => service.subsumes(SYS, 'dog', 'unicorn'))).toEqual([400, 'code-invalid']);
    expect(statusOf(() => service.subsumes('http://example.org/nope', 'a', 'b'))).toEqual([404, 'not-found']);
    expect(statusOf(() => service.subsumes(SYS, 'dog', 'cat', '1'))).toEqual([404, 'not-found']);
  });
});

describe('$expand', () => {
  it('a whole system, in the code system order, with total', () => {
    const e = service.expand(vsOf('all'));
    expect(codes(e)).toEqual(['animal', 'mammal', 'dog', 'cat', 'bird', 'penguin', 'rock']);
    expect(e.expansion?.total).toBe(7);
    expect(e.expansion?.contains?.[2]).toEqual({ system: SYS, version: '2', code: 'dog', display: 'Dog' });
  });
  it('is-a includes the code, descendent-of does not; exclude removes; = picks one', () => {
    expect(codes(service.expand(vsOf('mammals')))).toEqual(['mammal', 'dog', 'cat']);
    expect(codes(service.expand(vsOf('below-animal')))).toEqual(['mammal', 'dog', 'bird', 'penguin']);
    expect(codes(service.expand(vsOf('one')))).toEqual(['rock']);
  });
  it('a concept list keeps the value set display; imports union, and intersect with a system part', () => {
    expect(service.expand(vsOf('listed')).expansion?.contains).toEqual([
      { system: SYS, version: '2', code: 'dog', display: 'Doggo' }, { system: SYS, version: '2', code: 'rock', display: 'Rock' },
    ]);
    expect(codes(service.expand(vsOf('imports')))).toEqual(['mammal', 'dog', 'cat', 'rock']);
    expect(codes(service.expand(vsOf('intersect')))).toEqual(['dog']);
  });
  it('a filter on a concept property', () => {
    expect(codes(service.expand(vsOf('flying')))).toEqual(['bird']);
  });
  it('filter is a case-insensitive substring of code or display; total counts the filtered codes', () => {
    const e = service.expand(vsOf('all'), { filter: 'MA' });
    expect(codes(e)).toEqual(['animal', 'mammal']);
    expect(e.expansion?.total).toBe(2);
    expect(e.expansion?.parameter).toContainEqual({ name: 'filter', valueString: 'MA' });
  });
  it('count and offset page through the codes; count 0 gives only the total; past the end gives none', () => {
    expect(codes(service.expand(vsOf('all'), { offset: 2, count: 3 }))).toEqual(['dog', 'cat', 'bird']);
    const none = service.expand(vsOf('all'), { count: 0 });
    expect(none.expansion?.contains).toBeUndefined();
    expect(none.expansion?.total).toBe(7);
    expect(codes(service.expand(vsOf('all'), { offset: 7, count: 5 }))).toEqual([]);
    expect(service.expand(vsOf('all'), { offset: 6 }).expansion?.offset).toBe(6);
  });
  it('designations only when asked', () => {
    expect(service.expand(vsOf('mammals')).expansion?.contains?.[1].designation).toBeUndefined();
    expect(service.expand(vsOf('mammals'), { includeDesignations: true }).expansion?.contains?.[1].designation).toEqual([{ language: 'fr', value: 'Chien' }]);
  });
  it('an unloaded external terminology is too costly (422); an unsupported filter or a fragment is not supported; a cycle is 422', () => {
    expect(statusOf(() => service.expand(vsOf('snomed')))).toEqual([422, 'too-costly']);
    expect(statusOf(() => service.expand(vsOf('odd-filter')))).toEqual([422, 'not-supported']);
    expect(statusOf(() => service.expand(vs('frag', { include: [{ system: 'http://example.org/cs/fragment' }] })))).toEqual([422, 'not-supported']);
    expect(statusOf(() => service.expand(vsOf('loop')))).toEqual([422, 'processing']);
  });
});

describe('$validate-code', () => {
  it('in a value set: member true with its display, non-member false, wrong display false', () => {
    expect(service.validateInValueSet(vsOf('mammals'), [{ system: SYS, code: 'dog' }])).toEqual({ result: true, display: 'Dog' });
    const out = service.validateInValueSet(vsOf('mammals'), [{ system: SYS, code: 'bird' }]);
    expect(out.result).toBe(false);
    expect(out.message).toMatch(/bird/);
    expect(service.validateInValueSet(vsOf('mammals'), [{ system: SYS, code: 'dog', display: 'Wolf' }]).result).toBe(false);
    expect(service.validateInValueSet(vsOf('mammals'), [{ system: SYS, code: 'dog', display: 'Chien' }]).result).toBe(true);
  });
  it('a CodeableConcept is valid when one coding is', () => {
    expect(service.validateInValueSet(vsOf('mammals'), [{ system: SYS, code: 'rock' }, { system: SYS, code: 'cat' }]).result).toBe(true);
    expect(service.validateInValueSet(vsOf('mammals'), [{ system: SYS, code: 'rock' }, { system: SYS, code: 'bird' }]).result).toBe(false);
  });
  it('a code of an unloaded external terminology is not checked (true with a message), never false', () => {
    const r = service.validateInValueSet(vsOf('snomed'), [{ system: 'http://snomed.info/sct', code: '22298006' }]);
    expect(r.result).toBe(true);
    expect(r.message).toMatch(/^Not checked: .*SNOMED CT/);
    expect(service.validateInValueSet(vsOf('snomed'), [{ system: SYS, code: 'cat' }]).result).toBe(false);
  });
  it('in a code system: known true, unknown false, unknown in a fragment not checked', () => {
    expect(service.validateInCodeSystem(SYS, [{ code: 'penguin' }])).toEqual({ result: true, display: 'Penguin' });
    expect(service.validateInCodeSystem(SYS, [{ code: 'unicorn' }]).result).toBe(false);
    expect(service.validateInCodeSystem('http://example.org/cs/fragment', [{ code: 'zz' }]).message).toMatch(/^Not checked/);
  });
});

describe('$lookup', () => {
  it('name, version, display, designations, properties and the hierarchy', () => {
    const r = service.lookup(SYS, 'penguin');
    expect(r).toMatchObject({ name: 'Animals', version: '2', display: 'Penguin' });
    expect(r.property).toEqual([{ code: 'parent', value: { type: 'Code', value: 'bird' } }, { code: 'flies', value: { type: 'Boolean', value: false } }]);
    expect(service.lookup(SYS, 'mammal').property.filter((p) => p.code === 'child').map((p) => p.value.value)).toEqual(['dog', 'cat']);
    expect(service.lookup(SYS, 'dog').designation).toEqual([{ language: 'fr', value: 'Chien' }]);
    expect(service.lookup(SYS, 'mammal', { properties: ['parent'] }).property).toEqual([{ code: 'parent', value: { type: 'Code', value: 'animal' } }]);
  });
  it('404 for an unknown code or system', () => {
    expect(statusOf(() => service.lookup(SYS, 'unicorn'))).toEqual([404, 'not-found']);
    expect(statusOf(() => service.lookup('http://loinc.org', '1234-5'))).toEqual([404, 'not-found']);
  });
});
