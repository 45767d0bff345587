import { ConfigError, isAddressOrRange, loadConfig } from './index';

describe('metrics settings', () => {
  it('METRICS_ENABLED defaults to off; METRICS_ALLOW is a comma separated list', () => {
    expect(loadConfig({}).METRICS_ENABLED).toBe('off');
    expect(loadConfig({ METRICS_ALLOW: ' 10.0.0.0/8, ::1 ,192.168.1.7' }).METRICS_ALLOW).toEqual(['10.0.0.0/8', '::1', '192.168.1.7']);
  });

  it('with AUTH on, metrics need METRICS_TOKEN or METRICS_ALLOW, named in the error', () => {
    const auth = { AUTH: 'on', AUTH_CLIENTS_FILE: '/tmp/clients.json', METRICS_ENABLED: 'on' };
    expect(() => loadConfig(auth)).toThrow(ConfigError);
    expect(() => loadConfig(auth)).toThrow(/METRICS_TOKEN/);
    expect(loadConfig({ ...auth, METRICS_TOKEN: 'a-token-of-16-chars' }).METRICS_TOKEN).toBe('a-token-of-16-chars');
    expect(loadConfig({ ...auth, METRICS_ALLOW: '10.1.2.3' }).METRICS_ALLOW).toEqual(['10.1.2.3']);
    expect(loadConfig({ AUTH: 'off', METRICS_ENABLED: 'on' }).METRICS_ENABLED).toBe('on');
  });

  it.each(['short', ''.padEnd(15, 'x')])('refuses a METRICS_TOKEN under 16 characters (%s)', (v) => {
    expect(() => loadConfig({ METRICS_TOKEN: v })).toThrow(/METRICS_TOKEN/);
  });

  it.each(['10.0.0.0/33', 'example.org', '10.0.0.1/8/1', '::1/129', '300.1.1.1'])('refuses %s in METRICS_ALLOW', (v) => {
    expect(isAddressOrRange(v)).toBe(false);
    expect(() => loadConfig({ METRICS_ALLOW: v })).toThrow(/METRICS_ALLOW/);
  });

  it.each(['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', '0.0.0.0/0'])('takes %s in METRICS_ALLOW', (v) => {
    expect(isAddressOrRange(v)).toBe(true);
  });
});
