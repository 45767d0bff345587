/**
 * The rule catalog and the code agree: every id in docs/spec/rules.md is registered with the
 * catalog's severity and scope, cites seed text that really is in the seed, and has a test file
 * beside it; no rule exists that the catalog lacks.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { projectPath } from '../paths';
import { registeredRules } from './engine';
import './index';

const shared = projectPath('docs', 'spec');
const catalog = readFileSync(path.join(shared, 'rules.md'), 'utf8');
const rows = [...catalog.matchAll(/^\| `([a-z]+-[a-z0-9-]+)` \| (error|warning) \| ([a-z]+) \|/gm)].map((m) => ({ id: m[1], severity: m[2], scope: m[3] }));
const norm = (s: string) => s.replace(/-\s*\n\s*/g, '-').replace(/\s+/g, ' ').replace(/[‘’]/g, "'").replace(/[“”]/g, '"').trim().toLowerCase();
const seedText = new Map<string, string>();
const seed = (name: string) => {
  if (!seedText.has(name)) seedText.set(name, existsSync(path.join(shared, 'seeds', name)) ? norm(readFileSync(path.join(shared, 'seeds', name), 'utf8')) : '');
  return seedText.get(name)!;
};
const fileOf = (id: string) => {
  for (const dir of ['common', 'va', 'in', 'ct']) {
    const f = path.join(__dirname, dir, `${id}.ts`);
    if (existsSync(f)) return f;
  }
  return undefined;
};

describe('the rule catalog', () => {
  it('lists 78 rules', () => {
    expect(rows.length).toBe(78);
  });

  it.each(rows)('$id is registered with severity $severity and scope $scope', ({ id, severity, scope }) => {
    const rule = registeredRules().find((r) => r.id === id);
    expect(rule).toBeDefined();
    expect(rule!.severity).toBe(severity);
    expect(rule!.scope).toBe(scope);
  });

  it.each(rows)('$id cites its seed verbatim and has its own test file', ({ id }) => {
    const rule = registeredRules().find((r) => r.id === id)!;
    const file = fileOf(id);
    expect(file).toBeDefined();
    expect(existsSync(file!.replace(/\.ts$/, '.test.ts'))).toBe(true);
    expect(rule.citation.section.length).toBeGreaterThan(0);
    if (rule.citation.seed.endsWith('.txt')) {
      const text = seed(rule.citation.seed);
      expect(text.length).toBeGreaterThan(0);
      expect(text).toContain(norm(rule.citation.quote));
    }
  });

  it('has no rule the catalog lacks', () => {
    const ids = new Set(rows.map((r) => r.id));
    expect(registeredRules().filter((r) => !ids.has(r.id)).map((r) => r.id)).toEqual([]);
  });
});
