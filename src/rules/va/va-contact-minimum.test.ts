import type { RuleOptions } from '../context';
import { buildScenario, check, type Scenario } from '../testing';
import { vaContactMinimum as rule } from './va-contact-minimum';

/** Findings as id, severity, expression and line. */
const found = (s: Scenario, o?: Partial<RuleOptions>) =>
  check(rule, s, 'US-VA', o).map((f) => ({ id: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const diagnostics = (s: Scenario, o?: Partial<RuleOptions>) => check(rule, s, 'US-VA', o).map((f) => f.diagnostics).join('\n');
import type { ClaimItem } from 'fhir/r4';
import { EXT } from '../../prss/terminology';

const AT_DATE = { id: 'va-contact-minimum', severity: 'warning', expression: 'Claim.item[0].servicedDate', item: 0 };
/** February's second contact (2026-02-17 in the scenario). */
const secondFebruaryContact = (s: Scenario) => s.sessions.find((e) => e.period!.start!.startsWith('2026-02-17'))!;
const moveTo = (s: Scenario, day: string) => {
  const e = secondFebruaryContact(s);
  e.period = { start: `${day}T10:00:00-05:00`, end: `${day}T10:45:00-05:00` };
};

describe('va-contact-minimum', () => {
  it('passes the clean scenario (two face-to-face contacts in February; January is the month of initiation)', () => {
    expect(found(buildScenario())).toEqual([]);
  });
  it('warns when a complete month had only one contact', () => {
    const s = buildScenario();
    secondFebruaryContact(s).status = 'cancelled';
    expect(found(s)).toEqual([AT_DATE]);
    expect(diagnostics(s)).toContain('In 2026-02, a complete month after service initiation on 2026-01-12, the member had 1 contact(s), 1 face-to-face');
  });
  it('counts the second contact on the month\'s last day, and not on the first day of the next month', () => {
    const last = buildScenario();
    moveTo(last, '2026-02-28');
    expect(found(last)).toEqual([]);
    const next = buildScenario();
    moveTo(next, '2026-03-01');
    expect(found(next)).toEqual([AT_DATE]);
  });
  it('accepts a telephone second contact but warns when neither contact was face-to-face', () => {
    const s = buildScenario();
    const phone = (e: ReturnType<typeof secondFebruaryContact>) => {
      e.extension = e.extension!.map((x) => (x.url === EXT.contactMode ? { ...x, valueCode: 'telephone' } : x));
    };
    phone(secondFebruaryContact(s));
    expect(found(s)).toEqual([]);
    phone(s.sessions.find((e) => e.period!.start!.startsWith('2026-02-03'))!);
    expect(found(s)).toEqual([AT_DATE]);
    expect(diagnostics(s)).toContain('2 contact(s), 0 face-to-face');
  });
  it('does not judge the month of the service itself, which is not yet complete', () => {
    const s = buildScenario({ serviceDate: '2026-02-05' });
    expect(found(s)).toEqual([]);
  });
  it('reports a short month once per claim, on the first line after it', () => {
    const s = buildScenario();
    secondFebruaryContact(s).status = 'cancelled';
    const second: ClaimItem = { ...s.claim.item![0], sequence: 2 };
    s.claim.item!.push(second);
    expect(found(s)).toEqual([AT_DATE]);
  });
});
