import { buildScenario, check } from '../testing';
import { addSession } from '../common/claims-testing';
import { vaArtsMhOverlap } from './va-arts-mh-overlap';

describe('va-arts-mh-overlap', () => {
  it('passes the clean scenario (ARTS only)', () => {
    expect(check(vaArtsMhOverlap, buildScenario())).toEqual([]);
  });

  it('when an MH session overlaps the billed ARTS session (10:30–11:30 vs 10:00–11:00), va-arts-mh-overlap rejects the line', () => {
    const s = buildScenario();
    addSession(s, 'mh-same-time', { start: '2026-03-10T10:30:00-05:00', minutes: 60, program: 'mh' });
    const f = check(vaArtsMhOverlap, s);
    expect(vaArtsMhOverlap.severity).toBe('error');
    expect(f).toEqual([expect.objectContaining({ expression: 'Claim.item[0].encounter', item: 0, allowedUnits: 0 })]);
    expect(f[0].diagnostics).toContain('mh-same-time');
  });

  it('an MH session starting as the ARTS session ends (11:00) is at a different time and passes', () => {
    const s = buildScenario();
    addSession(s, 'mh-after', { start: '2026-03-10T11:00:00-05:00', minutes: 60, program: 'mh' });
    expect(check(vaArtsMhOverlap, s)).toEqual([]);
  });

  it('another ARTS session at the same time is not this rule\'s concern', () => {
    const s = buildScenario();
    addSession(s, 'arts-same-time', { start: '2026-03-10T10:30:00-05:00', minutes: 60, program: 'arts' });
    expect(check(vaArtsMhOverlap, s)).toEqual([]);
  });
});
