import type { RuleOptions } from '../context';
import { buildScenario, check, type Scenario } from '../testing';
import { vaProgressNote as rule } from './va-progress-note';

/** Findings as id, severity, expression and line. */
const found = (s: Scenario, o?: Partial<RuleOptions>) =>
  check(rule, s, 'US-VA', o).map((f) => ({ id: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const diagnostics = (s: Scenario, o?: Partial<RuleOptions>) => check(rule, s, 'US-VA', o).map((f) => f.diagnostics).join('\n');
import type { Patient } from 'fhir/r4';
import { CS, EXT } from '../../prss/terminology';
import { ref } from '../../prss/scenario';

const AT_SESSION = { id: 'va-progress-note', severity: 'error', expression: 'Claim.item[0].encounter[0]', item: 0 };
const billedNote = (s: Scenario) => s.notes.at(-1)!;

describe('va-progress-note', () => {
  it('passes the clean scenario (note signed by the rendering PRS, goal addressed)', () => {
    expect(found(buildScenario())).toEqual([]);
  });
  it('rejects a session whose only note was entered in error', () => {
    const s = buildScenario();
    billedNote(s).status = 'entered-in-error';
    expect(found(s)).toEqual([AT_SESSION]);
    expect(diagnostics(s)).toContain('has no progress note for this member');
  });
  it('rejects a note signed by someone other than the PRS who rendered the session', () => {
    const s = buildScenario();
    billedNote(s).authenticator = ref(s.supervisorRole);
    expect(found(s)).toEqual([AT_SESSION]);
    expect(diagnostics(s)).toContain(`signed by PractitionerRole/${s.supervisorRole.id}`);
  });
  it('accepts the PRS signing as the Practitioner rather than the PractitionerRole', () => {
    const s = buildScenario();
    billedNote(s).authenticator = ref(s.prs);
    expect(found(s)).toEqual([]);
  });
  it('rejects an undated note', () => {
    const s = buildScenario();
    delete billedNote(s).date;
    expect(found(s)).toEqual([AT_SESSION]);
  });
  it('rejects a session that names no goal addressed', () => {
    const s = buildScenario();
    s.session.extension = s.session.extension!.filter((e) => e.url !== EXT.goalAddressed);
    expect(found(s)).toEqual([AT_SESSION]);
    expect(diagnostics(s)).toContain('goal-addressed');
  });
  it('for a group session, wants a note of the member\'s own: another member\'s note does not count', () => {
    const s = buildScenario();
    s.session.type = [{ coding: [{ system: CS.encounterKind, code: 'session' }] }, { coding: [{ system: CS.delivery, code: 'group' }] }];
    const other: Patient = { resourceType: 'Patient', id: 'member-2' };
    expect(found(s)).toEqual([]);
    billedNote(s).subject = ref(other);
    expect(found({ ...s, resources: () => [...s.resources(), other] })).toEqual([AT_SESSION]);
    expect(diagnostics(s)).toContain('1 note(s) belong to other members of the group');
  });
});
