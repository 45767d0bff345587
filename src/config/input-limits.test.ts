import { ConfigError, loadConfig } from '.';

const base = { HOST: '127.0.0.1' };

describe('input limit settings', () => {
  it('default to depth 100, arrays of 20,000, strings of 1 MiB and 1,000,000 values', () => {
    const c = loadConfig(base);
    expect([c.MAX_JSON_DEPTH, c.MAX_ARRAY_LENGTH, c.MAX_STRING_LENGTH, c.MAX_JSON_NODES]).toEqual([100, 20_000, 1024 * 1024, 1_000_000]);
    expect(c.MAX_ARRAY_LENGTH).toBeGreaterThanOrEqual(c.BUNDLE_MAX_ENTRIES);
  });

  it('take values from the environment', () => {
    const c = loadConfig({ ...base, MAX_JSON_DEPTH: '50', MAX_ARRAY_LENGTH: '50000', MAX_STRING_LENGTH: '4096', MAX_JSON_NODES: '5000' });
    expect([c.MAX_JSON_DEPTH, c.MAX_ARRAY_LENGTH, c.MAX_STRING_LENGTH, c.MAX_JSON_NODES]).toEqual([50, 50_000, 4096, 5000]);
  });

  it('refuse values that are not whole numbers or below their floor, naming each at once', () => {
    try {
      loadConfig({ ...base, MAX_JSON_DEPTH: '7', MAX_STRING_LENGTH: 'lots', MAX_JSON_NODES: '-1' });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const text = (e as ConfigError).problems.join('\n');
      for (const name of ['MAX_JSON_DEPTH', 'MAX_STRING_LENGTH', 'MAX_JSON_NODES']) expect(text).toContain(name);
    }
  });

  it('refuse a MAX_ARRAY_LENGTH below BUNDLE_MAX_ENTRIES, since Bundle.entry is an array too', () => {
    expect(() => loadConfig({ ...base, MAX_ARRAY_LENGTH: '5000' })).toThrow(/MAX_ARRAY_LENGTH \(5000\) is below BUNDLE_MAX_ENTRIES \(10000\)/);
    expect(loadConfig({ ...base, MAX_ARRAY_LENGTH: '5000', BUNDLE_MAX_ENTRIES: '5000' }).MAX_ARRAY_LENGTH).toBe(5000);
  });
});
