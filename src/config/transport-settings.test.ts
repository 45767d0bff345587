import { loadConfig } from '.';

describe('CORS_ORIGINS and COMPRESSION_THRESHOLD', () => {
  it('defaults to no CORS origins and compression from 1 kB', () => {
    const c = loadConfig({});
    expect(c.CORS_ORIGINS).toEqual([]);
    expect(c.COMPRESSION_THRESHOLD).toBe(1024);
  });

  it('splits CORS_ORIGINS on commas, trims and drops a trailing slash; takes *', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example.org, http://localhost:3000/' }).CORS_ORIGINS).toEqual(['https://a.example.org', 'http://localhost:3000']);
    expect(loadConfig({ CORS_ORIGINS: '*' }).CORS_ORIGINS).toEqual(['*']);
  });

  it('refuses an origin with a path or without a scheme, naming CORS_ORIGINS', () => {
    expect(() => loadConfig({ CORS_ORIGINS: 'https://a.example.org/app' })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ CORS_ORIGINS: 'a.example.org' })).toThrow(/CORS_ORIGINS/);
  });

  it('takes a size or off for COMPRESSION_THRESHOLD', () => {
    expect(loadConfig({ COMPRESSION_THRESHOLD: '2kb' }).COMPRESSION_THRESHOLD).toBe(2048);
    expect(loadConfig({ COMPRESSION_THRESHOLD: '0' }).COMPRESSION_THRESHOLD).toBe(0);
    expect(loadConfig({ COMPRESSION_THRESHOLD: 'off' }).COMPRESSION_THRESHOLD).toBeUndefined();
    expect(() => loadConfig({ COMPRESSION_THRESHOLD: 'lots' })).toThrow(/COMPRESSION_THRESHOLD/);
  });
});
