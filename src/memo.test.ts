import { memoize } from './memo';

describe('memoize', () => {
  it('computes each key once while it is held', () => {
    const calls: string[] = [];
    const len = memoize(10, (k) => (calls.push(k), k.length));
    expect([len('ab'), len('abc'), len('ab'), len('abc')]).toEqual([2, 3, 2, 3]);
    expect(calls).toEqual(['ab', 'abc']);
  });

  it('holds at most `limit` entries: at the limit it starts again, and what is asked again is computed again', () => {
    const calls: string[] = [];
    const id = memoize(3, (k) => (calls.push(k), k));
    for (const k of ['a', 'b', 'c']) id(k);
    id('a');
    expect(calls).toEqual(['a', 'b', 'c']);
    id('d'); // the fourth key: the memo is emptied, then holds d
    id('a');
    expect(calls).toEqual(['a', 'b', 'c', 'd', 'a']);
  });

  it('keeps falsy values (0, empty string, NaN) as answers', () => {
    let calls = 0;
    const f = memoize(10, (k) => (calls++, k === 'zero' ? 0 : k === 'nan' ? NaN : ''));
    f('zero'); f('zero'); f('nan'); f('nan'); f('empty'); f('empty');
    expect(calls).toBe(3);
  });
});
