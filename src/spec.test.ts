/**
 * The project carries its own specification (docs/spec): everything the tests and scripts read of it
 * is there, and nothing reaches for a folder beside the checkout, so a clone anywhere passes.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectPath } from './paths';
import { registeredRules } from './rules/engine';
import './rules';

describe('docs/spec', () => {
  it('holds the rule catalog, the domain model, the HTTP contract, the style guide and the seed documents, with their origin', () => {
    for (const f of ['README.md', 'rules.md', 'domain-model.md', 'api.md', 'style.md']) expect(existsSync(projectPath('docs', 'spec', f))).toBe(true);
    const seeds = readdirSync(projectPath('docs', 'spec', 'seeds')).filter((f) => f.endsWith('.txt'));
    expect(seeds.length).toBeGreaterThanOrEqual(5);
    const readme = readFileSync(projectPath('docs', 'spec', 'README.md'), 'utf8');
    for (const s of seeds) expect(readme).toContain(s);
  });

  it('every seed document a registered rule cites is in docs/spec/seeds', () => {
    const cited = new Set(registeredRules().map((r) => r.citation.seed).filter((s) => /^\d{3}_[0-9a-f]{16}\.txt$/.test(s)));
    expect(cited.size).toBeGreaterThanOrEqual(3);
    for (const s of cited) expect(existsSync(projectPath('docs', 'spec', 'seeds', s))).toBe(true);
  });

  it('no source, test or script reads a shared/ folder outside the project', () => {
    const offenders: string[] = [];
    const visit = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) {
          if (e.name !== 'results') visit(p);
        } else if (/\.(ts|js|mjs)$/.test(e.name)) {
          const text = readFileSync(p, 'utf8');
          if (/\.\.['"/, ]+shared\b|\.\.\/\.\.\/shared|'\.\.', 'shared'/.test(text)) offenders.push(p);
        }
      }
    };
    for (const d of ['src', 'test', 'scripts', 'bench']) visit(projectPath(d));
    expect(offenders).toEqual([]);
  });
});
