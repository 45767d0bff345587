/** The pure parts of subscriptions: endpoint allow-list, criteria checks, retry backoff. */
import { retryDelay } from './delivery';
import { endpointAllowed, parseCriteria } from './outbox';

describe('endpointAllowed', () => {
  const allowed = ['http://127.0.0.1:9000'];
  it.each([
    ['https://any.example.org/hook', true],
    ['http://127.0.0.1:9000/hook', true],
    ['HTTP://127.0.0.1:9000', true],
    ['http://127.0.0.1:9001/hook', false],
    ['http://localhost:9000/hook', false],
    ['http://127.0.0.1/hook', false],
    ['https://user:pw@any.example.org/hook', false],
    ['ftp://127.0.0.1:9000/hook', false],
    ['not a url', false],
  ])('%s → %s', (endpoint, ok) => {
    expect(endpointAllowed(endpoint, allowed)).toBe(ok);
  });
  it('allows no http endpoint when the setting is empty', () => {
    expect(endpointAllowed('http://127.0.0.1:9000/hook', [])).toBe(false);
  });
});

describe('parseCriteria', () => {
  it('splits type and parameters', () => {
    expect(parseCriteria('Patient?gender=female&name=Ann')).toEqual({ type: 'Patient', params: [['gender', 'female'], ['name', 'Ann']] });
    expect(parseCriteria('Claim')).toEqual({ type: 'Claim', params: [] });
  });
  it.each(['', 'Nothing?x=1', 'Patient?bogus=1', 'Patient?_sort=name', 'Patient?_include=Patient:organization'])('refuses %j with 422', (c) => {
    expect(() => parseCriteria(c)).toThrow(expect.objectContaining({ status: 422 }));
  });
});

describe('retryDelay', () => {
  it('doubles from the base per failure and is capped, with jitter of ±25 %', () => {
    expect(retryDelay(1, 1000, 60_000, () => 0.5)).toBe(1000);
    expect(retryDelay(2, 1000, 60_000, () => 0.5)).toBe(2000);
    expect(retryDelay(4, 1000, 60_000, () => 0.5)).toBe(8000);
    expect(retryDelay(40, 1000, 60_000, () => 0.5)).toBe(60_000);
    expect(retryDelay(1, 1000, 60_000, () => 0)).toBe(750);
    expect(retryDelay(1, 1000, 60_000, () => 0.999999)).toBe(1250);
  });
});
