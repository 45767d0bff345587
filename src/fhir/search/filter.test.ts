import { OutcomeError } from '../../outcomes';
import { parseFilter } from './filter';

const leaf = (path: string, op: string, value: string) => `${path} ${op} ${value}`;
const parse = (s: string) => parseFilter(s, leaf);
const error = (s: string) => {
  try {
    parse(s);
  } catch (e) {
    if (e instanceof OutcomeError) return e;
    throw e;
  }
  throw new Error(`expected ${s} to be rejected`);
};

describe('_filter grammar', () => {
  it('reads a comparison, quoted strings with escapes, and every operator', () => {
    expect(parse('name eq Whitaker')).toEqual({ kind: 'leaf', value: 'name eq Whitaker' });
    expect(parse('name co "van der \\"Berg\\""')).toEqual({ kind: 'leaf', value: 'name co van der "Berg"' });
    for (const op of ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le', 'ap', 'sa', 'eb', 'pr', 'po', 'ss', 'sb', 'in', 'ni', 're']) {
      expect(parse(`x ${op} 1`)).toEqual({ kind: 'leaf', value: `x ${op} 1` });
    }
  });

  it('and binds tighter than or; parentheses and not() group', () => {
    expect(parse('a eq 1 or b eq 2 and c eq 3')).toEqual({
      kind: 'or', items: [{ kind: 'leaf', value: 'a eq 1' }, { kind: 'and', items: [{ kind: 'leaf', value: 'b eq 2' }, { kind: 'leaf', value: 'c eq 3' }] }],
    });
    expect(parse('(a eq 1 or b eq 2) and not (c eq 3)')).toEqual({
      kind: 'and', items: [
        { kind: 'or', items: [{ kind: 'leaf', value: 'a eq 1' }, { kind: 'leaf', value: 'b eq 2' }] },
        { kind: 'not', item: { kind: 'leaf', value: 'c eq 3' } },
      ],
    });
  });

  it('keeps chained paths and bracketed paths whole', () => {
    expect(parse('patient.name eq x')).toEqual({ kind: 'leaf', value: 'patient.name eq x' });
    expect(parse('related[type eq has-member].target pr false')).toEqual({ kind: 'leaf', value: 'related[type eq has-member].target pr false' });
  });

  it.each([
    ['', /empty/], ['name', /operator/], ['name xx 1', /operator/], ['name eq', /value/], ['(name eq 1', /'\)'/],
    ['name eq 1 and', /comparison/], ['name eq 1 name eq 2', /unexpected/], ['name eq "open', /unterminated/], ['"name" eq 1', /parameter name/],
  ])('rejects %j with a 400', (s, why) => {
    const e = error(s);
    expect(e.status).toBe(400);
    expect(e.message).toMatch(why);
  });
});
