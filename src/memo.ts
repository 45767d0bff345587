/**
 * A memo of a pure function of a string key, for values asked over and over (reference strings,
 * dates of a member's year). Bounded the simple way: when it holds `limit` entries it is emptied, and
 * it refills with the keys still in use. Values that are `undefined` are computed again each time.
 */
export function memoize<T>(limit: number, compute: (key: string) => T): (key: string) => T {
  const held = new Map<string, T>();
  return (key) => {
    let value = held.get(key);
    if (value === undefined) {
      value = compute(key);
      if (held.size >= limit) held.clear();
      held.set(key, value);
    }
    return value;
  };
}
