import { advisoryLockKey } from '../../store/postgres-repository';
import { conditionLock, parseQueryString } from './conditional';

describe('the lock key of a conditional write', () => {
  it('is one key for one condition however it is sent: header, URL-encoded query, other order, _format', () => {
    const forms = [
      'identifier=http://x.org/id|42&birthdate=1990-01-01',
      'birthdate=1990-01-01&identifier=http%3A%2F%2Fx.org%2Fid%7C42',
      'Patient?identifier=http://x.org/id|42&birthdate=1990-01-01&_format=json',
    ];
    const keys = forms.map((f) => conditionLock('Patient', f));
    expect(new Set(keys).size).toBe(1);
    expect(conditionLock('Patient', parseQueryString(forms[0]))).toBe(keys[0]);
  });

  it('differs by type, by value and by a repeated parameter', () => {
    const base = conditionLock('Patient', 'identifier=a|1');
    expect(conditionLock('Practitioner', 'identifier=a|1')).not.toBe(base);
    expect(conditionLock('Patient', 'identifier=a|2')).not.toBe(base);
    expect(conditionLock('Patient', 'identifier=a|1&identifier=a|1')).not.toBe(base);
  });

  it('is a condition at all: no criteria is a 400', () => {
    expect(() => conditionLock('Patient', '_format=json')).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('maps to a signed 64-bit advisory lock key', () => {
    const k = BigInt(advisoryLockKey(conditionLock('Patient', 'identifier=a|1')));
    expect(k >= -(2n ** 63n) && k < 2n ** 63n).toBe(true);
    expect(advisoryLockKey('Patient?identifier=a%7C1')).toBe(advisoryLockKey(conditionLock('Patient', 'identifier=a|1')));
  });
});
