import type { Encounter } from 'fhir/r4';
import { EXT } from '../../prss/terminology';
import { buildScenario, check, type Scenario } from '../testing';
import { vaSupervisionFrequency as rule } from './va-supervision-frequency';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const warned = [{ rule: 'va-supervision-frequency', severity: 'warning', expression: 'Claim.careTeam[0].provider', item: 0 }];
const experienceFrom = (s: Scenario, start: string) => {
  s.prs.extension = [{ url: EXT.peerExperienceStart, valueDate: start }];
};
/** The scenario's March meeting (45 minutes, in person, PRS and supervisor). */
const march = (s: Scenario) => s.supervisions[2];
const minutes = (e: Encounter, n: number) => {
  e.period!.end = e.period!.start!.replace('14:00', `14:${String(n).padStart(2, '0')}`);
};
const secondMarchMeeting = (s: Scenario) => {
  s.supervisions.push({ ...march(s), id: 'supervision-extra', period: { start: '2026-03-19T14:00:00-05:00', end: '2026-03-19T14:30:00-05:00' } });
};

describe('va-supervision-frequency', () => {
  it('sets no minimum for a PRS with 24 months or more of experience', () => {
    const s = buildScenario();
    s.supervisions.length = 0;
    expect(issues(s)).toEqual([]);
  });

  it('passes a PRS with 12 to 23 months of experience who had one 30-minute meeting in the month of service', () => {
    const s = buildScenario();
    experienceFrom(s, '2025-01-01');
    minutes(march(s), 30);
    expect(issues(s)).toEqual([]);
  });

  it('warns with va-supervision-frequency when the only meeting of the month lasted 29 minutes', () => {
    const s = buildScenario();
    experienceFrom(s, '2025-01-01');
    minutes(march(s), 29);
    expect(issues(s)).toEqual(warned);
    expect(check(rule, s)[0].diagnostics).toContain('had 0');
  });

  it('warns when a PRS with under 12 months of experience had only one meeting in the month', () => {
    const s = buildScenario();
    experienceFrom(s, '2025-06-01');
    expect(issues(s)).toEqual(warned);
    expect(check(rule, s)[0].diagnostics).toContain('2 a month required');
  });

  it('passes a PRS with under 12 months of experience who had two meetings in the month', () => {
    const s = buildScenario();
    experienceFrom(s, '2025-06-01');
    secondMarchMeeting(s);
    expect(issues(s)).toEqual([]);
  });

  it('switches from two meetings to one on the day the PRS reaches 12 months of experience', () => {
    const s = buildScenario();
    experienceFrom(s, '2025-03-11');
    expect(issues(s)).toEqual(warned);
    experienceFrom(s, '2025-03-10');
    expect(issues(s)).toEqual([]);
  });

  it('does not count a telephone meeting or a meeting with a third participant', () => {
    const s = buildScenario();
    experienceFrom(s, '2025-01-01');
    march(s).extension = [{ url: EXT.contactMode, valueCode: 'telephone' }];
    expect(issues(s)).toEqual(warned);
    march(s).extension = [{ url: EXT.contactMode, valueCode: 'telehealth-video' }];
    expect(issues(s)).toEqual([]);
    march(s).participant!.push({ individual: { reference: `PractitionerRole/${s.assessorRole.id}` } });
    expect(issues(s)).toEqual(warned);
  });

  it('assumes under 12 months when no experience start is recorded', () => {
    const s = buildScenario();
    s.prs.extension = [];
    expect(issues(s)).toEqual(warned);
  });
});
