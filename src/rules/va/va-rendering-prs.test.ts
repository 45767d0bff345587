import { buildScenario, check } from '../testing';
import { ref } from '../../prss/scenario';
import { vaRenderingPrs } from './va-rendering-prs';

describe('va-rendering-prs', () => {
  it('passes the clean scenario: the care-team PRS performed the session and signed its note', () => {
    expect(check(vaRenderingPrs, buildScenario())).toEqual([]);
  });

  it('accepts the Practitioner on the claim where the session names the PractitionerRole of the same person', () => {
    const s = buildScenario();
    s.claim.careTeam![0].provider = ref(s.prs);
    expect(check(vaRenderingPrs, s)).toEqual([]);
  });

  it('when the claim names the supervisor as rendering, va-rendering-prs reports both the performer and the note signer', () => {
    const s = buildScenario();
    s.claim.careTeam![0].provider = ref(s.supervisorRole);
    const f = check(vaRenderingPrs, s);
    expect(vaRenderingPrs.severity).toBe('error');
    expect(f).toHaveLength(2);
    expect(f.every((x) => x.expression === 'Claim.item[0].careTeamSequence' && x.item === 0)).toBe(true);
  });

  it('when the progress note is signed by someone else, va-rendering-prs reports the signer', () => {
    const s = buildScenario();
    const note = s.notes.find((n) => n.context?.encounter?.[0].reference === `Encounter/${s.session.id}`)!;
    note.authenticator = ref(s.supervisorRole);
    const f = check(vaRenderingPrs, s);
    expect(f).toHaveLength(1);
    expect(f[0].diagnostics).toContain(`PractitionerRole/${s.supervisorRole.id}`);
  });
});
