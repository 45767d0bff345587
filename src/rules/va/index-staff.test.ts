import { readFileSync } from 'node:fs';
import { buildScenario, check } from '../testing';
import * as staff from './index-staff';
import { projectPath } from '../../paths';

const rules = Object.values(staff);
/** Whitespace collapsed, and words hyphenated across a line break of the source joined again. */
const squash = (s: string) => s.replace(/-[ \t]*\r?\n\s*/g, '-').replace(/\s+/g, ' ').trim();

describe('the Virginia practitioner and provider rules', () => {
  it('registers the nine rules of the catalog section, each under pack US-VA', () => {
    expect(rules.map((r) => r.id).sort()).toEqual([
      'va-caseload', 'va-fsp-lived-experience', 'va-provider-enrolled', 'va-prs-certified', 'va-prs-employed', 'va-prs-qualifications', 'va-prs-registered',
      'va-supervision-frequency', 'va-supervisor-qualified',
    ]);
    expect(rules.every((r) => r.pack === 'US-VA')).toBe(true);
  });

  it.each(rules.map((r) => [r.id, r] as const))('%s passes on the clean Virginia scenarios (ARTS and MH)', (_id, rule) => {
    expect(check(rule, buildScenario())).toEqual([]);
    expect(check(rule, buildScenario({ program: 'mh' }))).toEqual([]);
  });

  it.each(rules.map((r) => [r.id, r] as const))('%s quotes its seed verbatim', (_id, rule) => {
    const seed = readFileSync(projectPath('docs', 'spec', 'seeds', rule.citation.seed), 'utf8');
    const quote = squash(rule.citation.quote);
    expect(squash(seed).includes(quote) ? quote : `not in ${rule.citation.seed}: ${quote}`).toBe(quote);
  });
});
