import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectPath } from '../../paths';
import { buildScenario, check } from '../testing';
import { vaPlanRules } from './index-plan';

const SHARED = projectPath('docs', 'spec');
const flat = (s: string) => s.replace(/\s+/g, ' ').trim();
const OWNED_SECTIONS = ['### Member eligibility', '### Assessment, plan and documentation'];

function catalogIds(): string[] {
  const md = readFileSync(join(SHARED, 'rules.md'), 'utf8');
  return OWNED_SECTIONS.flatMap((heading) => {
    const body = md.slice(md.indexOf(heading) + heading.length).split('\n### ')[0].split('\n## ')[0];
    return [...body.matchAll(/^\| `([a-z0-9-]+)` \| (error|warning) \| (\w+) \|/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
  });
}

describe('Virginia eligibility, assessment, plan and documentation rules', () => {
  it('registers exactly the rules of the two catalog sections, with their catalog severity and scope', () => {
    const ids = catalogIds();
    expect(ids).toHaveLength(21);
    expect(vaPlanRules.map((r) => `${r.id} ${r.severity} ${r.scope}`).sort()).toEqual(ids.sort());
    expect(vaPlanRules.every((r) => r.pack === 'US-VA')).toBe(true);
  });

  it.each(vaPlanRules.map((r) => [r.id, r] as const))('%s quotes its seed verbatim', (_id, rule) => {
    const seed = readFileSync(join(SHARED, 'seeds', rule.citation.seed), 'utf8');
    // A boolean, so a failure does not print the whole seed.
    expect({ quote: rule.citation.quote, found: flat(seed).includes(flat(rule.citation.quote)) }).toEqual({ quote: rule.citation.quote, found: true });
  });

  it.each(['arts', 'mh'] as const)('every rule passes the clean %s scenario', (program) => {
    const s = buildScenario({ program });
    for (const rule of vaPlanRules) expect({ id: rule.id, findings: check(rule, s) }).toEqual({ id: rule.id, findings: [] });
  });
});
