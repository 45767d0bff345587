import { readFileSync } from 'node:fs';
import { buildScenario, check } from '../testing';
import * as pack from './index';
import { projectPath } from '../../paths';

const rules = Object.values(pack);
/** Whitespace collapsed, and words hyphenated across a line break of the source joined again. */
const squash = (s: string) => s.replace(/-[ \t]*\r?\n\s*/g, '-').replace(/\s+/g, ' ').trim();

describe('the Indiana pack', () => {
  it('registers the eight rules of rules.md, each under pack US-IN', () => {
    expect(rules.map((r) => r.id).sort()).toEqual([
      'in-certified', 'in-face-to-face', 'in-min-age', 'in-no-group', 'in-noncovered', 'in-procedure-code', 'in-rolling-units', 'in-unit-time',
    ]);
    expect(rules.every((r) => r.pack === 'US-IN')).toBe(true);
  });

  it.each(rules.map((r) => [r.id, r] as const))('%s passes on the clean Indiana scenario', (_id, rule) => {
    expect(check(rule, buildScenario({ jurisdiction: 'US-IN' }))).toEqual([]);
  });

  it.each(rules.map((r) => [r.id, r] as const))('%s quotes its seed verbatim', (_id, rule) => {
    const seed = readFileSync(projectPath('docs', 'spec', 'seeds', rule.citation.seed), 'utf8');
    const quote = squash(rule.citation.quote);
    expect(squash(seed).includes(quote) ? quote : `not in ${rule.citation.seed}: ${quote}`).toBe(quote);
  });
});
