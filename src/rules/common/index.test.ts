import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectPath } from '../../paths';
import { buildScenario, check } from '../testing';
import { commonRules } from './index';

const SHARED = projectPath('docs', 'spec');
const flat = (s: string) => s.replace(/\s+/g, ' ').trim();
const HEADING = '## Every pack';

function catalogIds(): string[] {
  const md = readFileSync(join(SHARED, 'rules.md'), 'utf8');
  const body = md.slice(md.indexOf(HEADING) + HEADING.length).split('\n## ')[0];
  return [...body.matchAll(/^\| `([a-z0-9-]+)` \| (error|warning) \| (\w+) \|/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
}

describe('rules of every pack', () => {
  it('registers exactly the catalog\'s "Every pack" rules, with their severity and scope', () => {
    expect(commonRules.map((r) => `${r.id} ${r.severity} ${r.scope}`).sort()).toEqual(catalogIds().sort());
    expect(commonRules.every((r) => r.pack === 'common')).toBe(true);
  });

  it.each(commonRules.filter((r) => r.citation.seed.endsWith('.txt')).map((r) => [r.id, r] as const))('%s quotes its seed verbatim', (_id, rule) => {
    const seed = readFileSync(join(SHARED, 'seeds', rule.citation.seed), 'utf8');
    expect({ quote: rule.citation.quote, found: flat(seed).includes(flat(rule.citation.quote)) }).toEqual({ quote: rule.citation.quote, found: true });
  });

  it.each(['US-VA', 'US-IN', 'US-CT'] as const)('every rule passes the clean %s scenario', (jurisdiction) => {
    const s = buildScenario({ jurisdiction });
    for (const rule of commonRules) expect({ id: rule.id, findings: check(rule, s, jurisdiction) }).toEqual({ id: rule.id, findings: [] });
  });
});
