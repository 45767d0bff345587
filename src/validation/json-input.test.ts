import { OutcomeError } from '../outcomes';
import { checkJsonInput, parseJsonInput, stringProblem, type JsonLimits } from './json-input';

const limits: JsonLimits = { maxDepth: 4, maxArrayLength: 3, maxStringLength: 5, maxNodes: 20 };

function failure(fn: () => void): OutcomeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof OutcomeError) return e;
    throw e;
  }
  throw new Error('expected an OutcomeError');
}

describe('checkJsonInput', () => {
  it('takes a document exactly at every limit', () => {
    expect(() => checkJsonInput({ a: [[{ b: 'abcde' }]] }, limits)).not.toThrow();
    expect(() => checkJsonInput([1, 2, 3], limits)).not.toThrow();
  });

  it('refuses depth one past MAX_JSON_DEPTH with 400, naming the setting and where', () => {
    const e = failure(() => checkJsonInput({ resourceType: 'Patient', a: [[{ b: {} }]] }, { ...limits, maxStringLength: 20 }));
    expect(e.status).toBe(400);
    expect(e.issues[0].code).toBe('too-costly');
    expect(e.issues[0].diagnostics).toContain('MAX_JSON_DEPTH=4');
    expect(e.issues[0].expression).toEqual(['Patient.a[0][0].b']);
  });

  it('refuses 100,000 levels of nesting without overflowing the stack', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown;
    expect(failure(() => checkJsonInput(deep, { ...limits, maxDepth: 100, maxNodes: 1_000_000 })).status).toBe(400);
  });

  it('refuses an array one past MAX_ARRAY_LENGTH with 413 before looking at its items', () => {
    const e = failure(() => checkJsonInput({ a: [1, 2, 3, '\u0000'] }, limits));
    expect(e.status).toBe(413);
    expect(e.issues[0].diagnostics).toContain('MAX_ARRAY_LENGTH=3');
  });

  it('refuses a string or a property name one past MAX_STRING_LENGTH with 413', () => {
    expect(failure(() => checkJsonInput({ a: 'abcdef' }, limits)).issues[0].diagnostics).toContain('MAX_STRING_LENGTH=5');
    expect(failure(() => checkJsonInput({ abcdef: 1 }, limits)).status).toBe(413);
  });

  it('refuses more than MAX_JSON_NODES values with 413, counting property names', () => {
    // 1 object + 7 names + 7 values = 15; at 10 members it is 21.
    expect(() => checkJsonInput(Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`k${i}`, i])), { ...limits, maxArrayLength: 100 })).not.toThrow();
    const e = failure(() => checkJsonInput(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, i])), limits));
    expect(e.status).toBe(413);
    expect(e.issues[0].diagnostics).toContain('MAX_JSON_NODES=20');
  });

  it('refuses control characters and lone surrogates in values and names with 400', () => {
    expect(failure(() => checkJsonInput({ a: 'x\u0000' }, limits)).status).toBe(400);
    expect(failure(() => checkJsonInput({ 'a\u0007': 1 }, limits)).status).toBe(400);
    expect(failure(() => checkJsonInput({ a: '\ud800' }, limits)).issues[0].diagnostics).toContain('surrogate');
  });
});

describe('stringProblem', () => {
  it('allows tab, CR, LF and surrogate pairs; refuses other C0 controls and lone surrogates', () => {
    expect(stringProblem('a\tb\r\nc😀')).toBeUndefined();
    for (let c = 0; c < 0x20; c++) {
      if (c === 9 || c === 10 || c === 13) continue;
      expect(stringProblem(`x${String.fromCharCode(c)}`)).toMatch(/control character/);
    }
    expect(stringProblem('\udc00')).toMatch(/surrogate/);
    expect(stringProblem('\ud800x')).toMatch(/surrogate/);
    expect(stringProblem('\u007f\u0080')).toBeUndefined();
  });
});

describe('parseJsonInput', () => {
  const big: JsonLimits = { maxDepth: 100, maxArrayLength: 100, maxStringLength: 100, maxNodes: 1000 };
  it('refuses invalid UTF-8 on the bytes, before decoding would hide it as U+FFFD', () => {
    const e = failure(() => parseJsonInput(Buffer.from([0x22, 0xff, 0x22]), big));
    expect(e.status).toBe(400);
    expect(e.issues[0].diagnostics).toMatch(/UTF-8/);
    // The replacement character itself, sent as UTF-8, is a valid character.
    expect(parseJsonInput(Buffer.from('"\ufffd"'), big)).toBe('\ufffd');
  });
  it('refuses malformed JSON with 400', () => {
    expect(failure(() => parseJsonInput(Buffer.from('{"a":'), big)).status).toBe(400);
  });
});
