import { CS, EXT } from '../../prss/terminology';
import { buildScenario, check, type Scenario } from '../testing';
import { vaNoncoveredActivity } from './va-noncovered-activity';
import { vaSessionActivities as rule } from './va-session-activities';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const reported = [{ rule: 'va-session-activities', severity: 'warning', expression: 'Claim.item[0].encounter[0]', item: 0 }];
const activities = (s: Scenario, codes: string[]) => {
  s.session.extension = [...s.session.extension!.filter((e) => e.url !== EXT.activity), ...codes.map((valueCode) => ({ url: EXT.activity, valueCode }))];
  return s;
};

describe('va-session-activities', () => {
  it('passes the clean scenarios, whose billed session records recovery coaching', () => {
    expect(issues(buildScenario())).toEqual([]);
    expect(issues(buildScenario({ program: 'mh' }))).toEqual([]);
  });

  it('passes a session with exactly one activity, and with several', () => {
    expect(issues(activities(buildScenario(), ['crisis-support']))).toEqual([]);
    expect(issues(activities(buildScenario(), ['crisis-support', 'transportation']))).toEqual([]);
  });

  it('warns with va-session-activities when the billed session records no activity', () => {
    const s = activities(buildScenario(), []);
    expect(issues(s)).toEqual(reported);
    expect(check(rule, s)[0].diagnostics).toContain(`Session ${s.session.id}`);
  });

  it('counts an activity extension without a code as no activity', () => {
    const s = activities(buildScenario(), []);
    s.session.extension!.push({ url: EXT.activity });
    expect(issues(s)).toEqual(reported);
  });

  it('leaves the activities it finds to va-noncovered-activity: a session of transportation alone passes here and is denied there', () => {
    const s = activities(buildScenario(), ['transportation']);
    expect(issues(s)).toEqual([]);
    expect(check(vaNoncoveredActivity, s)).toHaveLength(1);
  });

  it('does not judge an encounter that is not a session (va-billable-encounter reports it), nor a line whose session is not stored', () => {
    const attempt = activities(buildScenario(), []);
    attempt.session.type = [{ coding: [{ system: CS.encounterKind, code: 'contact-attempt' }] }];
    expect(issues(attempt)).toEqual([]);
    const dangling = buildScenario();
    dangling.claim.item![0].encounter = [{ reference: 'Encounter/missing' }];
    expect(issues(dangling)).toEqual([]);
  });

  it('judges each line: only the line billing the session without activities is reported', () => {
    const s = buildScenario();
    const bare = structuredClone(s.sessions[0]);
    bare.id = 'session-bare';
    bare.extension = bare.extension!.filter((e) => e.url !== EXT.activity);
    s.sessions.push(bare);
    s.claim.item!.push({ ...structuredClone(s.claim.item![0]), sequence: 2, servicedDate: bare.period!.start!.slice(0, 10), encounter: [{ reference: 'Encounter/session-bare' }] });
    expect(issues(s)).toEqual([{ ...reported[0], expression: 'Claim.item[1].encounter[0]', item: 1 }]);
  });
});
