import { readFileSync } from 'node:fs';
import { buildScenario, check } from '../testing';
import * as pack from './index';
import { projectPath } from '../../paths';

const rules = Object.values(pack);
/** Whitespace collapsed, and words hyphenated across a line break of the source joined again. */
const squash = (s: string) => s.replace(/-[ \t]*\r?\n\s*/g, '-').replace(/\s+/g, ' ').trim();

describe('the Connecticut pack', () => {
  it('registers the thirteen rules of rules.md, each under pack US-CT', () => {
    expect(rules.map((r) => r.id).sort()).toEqual([
      'ct-act-csp-exclusion', 'ct-face-to-face', 'ct-licensed-supervision', 'ct-min-duration', 'ct-nonbillable', 'ct-one-staff',
      'ct-plan-limits', 'ct-provider-qualified', 'ct-rate', 'ct-residential-concurrency', 'ct-setting', 'ct-supported-employment', 'ct-unit-time',
    ]);
    expect(rules.every((r) => r.pack === 'US-CT')).toBe(true);
  });

  it.each(rules.map((r) => [r.id, r] as const))('%s passes on the clean Connecticut scenario', (_id, rule) => {
    expect(check(rule, buildScenario({ jurisdiction: 'US-CT' }))).toEqual([]);
  });

  it.each(rules.map((r) => [r.id, r] as const))('%s quotes its seed verbatim', (_id, rule) => {
    const seed = readFileSync(projectPath('docs', 'spec', 'seeds', rule.citation.seed), 'utf8');
    const quote = squash(rule.citation.quote);
    expect(squash(seed).includes(quote) ? quote : `not in ${rule.citation.seed}: ${quote}`).toBe(quote);
  });
});
