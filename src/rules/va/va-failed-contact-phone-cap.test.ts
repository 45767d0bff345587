import { buildScenario, check } from '../testing';
import { EXT } from '../../prss/terminology';
import { addSession, storedClaim, withResources } from '../common/claims-testing';
import { vaFailedContactPhoneCap } from './va-failed-contact-phone-cap';

// The billed session moves to 2026-04-20 and goes by telephone: April has no face-to-face session.
const aprilByPhone = (units = 2) => {
  const s = buildScenario({ serviceDate: '2026-04-20' });
  s.session.extension!.find((e) => e.url === EXT.contactMode)!.valueCode = 'telephone';
  s.claim.item![0].quantity = { value: units };
  return s;
};
const attempt = (s: ReturnType<typeof aprilByPhone>, id: string, day: string) =>
  addSession(s, id, { start: `${day}T09:00:00-04:00`, minutes: 5, kind: 'contact-attempt' });

describe('va-failed-contact-phone-cap', () => {
  it('passes the clean scenario (in-person session)', () => {
    expect(check(vaFailedContactPhoneCap, buildScenario())).toEqual([]);
  });

  it('when April has no face-to-face session and no failed attempts, the telephone line is denied', () => {
    const f = check(vaFailedContactPhoneCap, aprilByPhone());
    expect(vaFailedContactPhoneCap.severity).toBe('error');
    expect(f).toEqual([expect.objectContaining({ expression: 'Claim.item[0].encounter', item: 0, allowedUnits: 0 })]);
  });

  it('one failed attempt is not enough; two before the call allow 2 telephone units', () => {
    const s = aprilByPhone();
    attempt(s, 'try-1', '2026-04-06');
    expect(check(vaFailedContactPhoneCap, s)).toHaveLength(1);
    attempt(s, 'try-2', '2026-04-13');
    expect(check(vaFailedContactPhoneCap, s)).toEqual([]);
  });

  it('an attempt no progress note names is not documented and does not count; with its note it does', () => {
    const s = aprilByPhone();
    attempt(s, 'try-1', '2026-04-06');
    const second = attempt(s, 'try-2', '2026-04-13');
    const note = s.notes.pop()!;
    expect(note.context!.encounter).toEqual([{ reference: `Encounter/${second.id}` }]);
    const f = check(vaFailedContactPhoneCap, s);
    expect(f).toEqual([expect.objectContaining({ expression: 'Claim.item[0].encounter', item: 0, allowedUnits: 0 })]);
    expect(f[0].diagnostics).toContain('only 1 documented unsuccessful face-to-face attempt(s) by 2026-04-20 (1 more attempt(s) named by no progress note, so not documented)');
    s.notes.push(note);
    expect(check(vaFailedContactPhoneCap, s)).toEqual([]);
  });

  it('a progress note entered in error does not document the attempt', () => {
    const s = aprilByPhone();
    attempt(s, 'try-1', '2026-04-06');
    attempt(s, 'try-2', '2026-04-13');
    s.notes[s.notes.length - 1].status = 'entered-in-error';
    expect(check(vaFailedContactPhoneCap, s)).toHaveLength(1);
  });

  it('an attempt dated after the call does not count', () => {
    const s = aprilByPhone();
    attempt(s, 'try-1', '2026-04-06');
    attempt(s, 'try-late', '2026-04-25');
    expect(check(vaFailedContactPhoneCap, s)).toHaveLength(1);
  });

  it('after two failed attempts, 3 telephone units in the month are cut to the 2 allowed', () => {
    const s = aprilByPhone(3);
    attempt(s, 'try-1', '2026-04-06');
    attempt(s, 'try-2', '2026-04-13');
    expect(check(vaFailedContactPhoneCap, s)).toEqual([expect.objectContaining({ expression: 'Claim.item[0].quantity', allowedUnits: 2 })]);
  });

  it('a third telephone contact in the month is denied even within 2 units', () => {
    const s = aprilByPhone(1);
    attempt(s, 'try-1', '2026-04-06');
    attempt(s, 'try-2', '2026-04-07');
    const calls = ['2026-04-08', '2026-04-09'].map((d, i) => addSession(s, `call-${i}`, { start: `${d}T10:00:00-04:00`, minutes: 15, mode: 'telephone' }));
    const stored = storedClaim(s, 'calls', calls.map((c) => ({ day: c.period!.start!.slice(0, 10), units: 0, session: c })));
    expect(check(vaFailedContactPhoneCap, withResources(s, stored))).toEqual([expect.objectContaining({ expression: 'Claim.item[0].encounter', allowedUnits: 0 })]);
  });

  it('a month with a face-to-face session is not capped', () => {
    const s = aprilByPhone(4);
    addSession(s, 'visit', { start: '2026-04-02T10:00:00-04:00', minutes: 60 });
    expect(check(vaFailedContactPhoneCap, s)).toEqual([]);
  });
});
