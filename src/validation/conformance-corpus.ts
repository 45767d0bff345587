/**
 * HL7's validator test cases (test/fixtures/fhir-test-cases, vendored from FHIR/fhir-test-cases)
 * run through our validator chain the way the server runs it on a write or $validate: structure,
 * primitives and base invariants first, then — when the shape holds — the StructureDefinition stage
 * with the case's supporting conformance resources loaded. Each case's outcome is compared with the
 * HL7 Java reference validator's:
 *
 * - a step agrees when we report at least one error/fatal exactly when the reference does;
 * - same-element: of the reference's error issues (with a location), how many we report an error at
 *   the same FHIRPath location.
 *
 * Two steps per case: `base` (the instance with what it claims in meta.profile) and, where the case
 * names one, `profile` (the same instance validated against the profile in `profile.source`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FhirResource, OperationOutcome, OperationOutcomeIssue } from 'fhir/r4';
import { createValidator } from '.';
import { createProfileValidator } from './profile-validator';

export const CORPUS_DIR = join(__dirname, '..', '..', 'test', 'fixtures', 'fhir-test-cases');

type Expected = { outcome: OperationOutcome } | { errorCount: number };

interface ManifestCase {
  name: string;
  file: string;
  supporting?: string[];
  profiles?: string[];
  profile?: { source: string; supporting?: string[]; java: string | Expected };
  java: string | Expected;
}

export interface StepResult {
  case: string;
  step: 'base' | 'profile';
  /** The reference's error/fatal issues (undefined when it gives only a count). */
  expected: OperationOutcomeIssue[] | undefined;
  expectedErrorCount: number;
  actual: OperationOutcomeIssue[];
  agrees: boolean;
  /** Reference errors with a location, and how many of them we report as an error at that location. */
  locatedExpected: number;
  locatedFound: number;
  /** Locations of reference errors we miss. */
  missedAt: string[];
}

export interface CorpusResult {
  steps: StepResult[];
  /** Supporting files the manifest names but the corpus does not hold. */
  missing: string[];
  base: { agree: number; total: number };
  profile: { agree: number; total: number };
  sameElement: { found: number; total: number };
}

const isError = (i: OperationOutcomeIssue) => i.severity === 'error' || i.severity === 'fatal';

/**
 * A location as both validators spell it: the reference writes resource comments inside Bundle
 * paths (`Bundle.entry[0].resource/*Patient/p1*\/.name`) and `[0]` on the first item; both dropped.
 */
export function normalizeLocation(loc: string): string {
  return loc.replace(/\/\*.*?\*\//g, '').replace(/\s+/g, '').replace(/\.ofType\(([A-Za-z]+)\)/g, (_m, t: string) => t[0].toUpperCase() + t.slice(1));
}

function locations(i: OperationOutcomeIssue): string[] {
  return [...(i.expression ?? []), ...(i.location ?? [])].map(normalizeLocation);
}

/** Locations that match: equal, or equal once `[0]` on single items is ignored, or ours a child of theirs. */
function sameElement(theirs: string, ours: string): boolean {
  const strip = (s: string) => s.replace(/\[0\]/g, '');
  const a = strip(theirs);
  const b = strip(ours);
  return a === b || b.startsWith(`${a}.`);
}

export function runCorpus(dir = CORPUS_DIR): CorpusResult {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { 'test-cases': ManifestCase[] };
  const cases = join(dir, 'cases');
  const read = (p: string) => JSON.parse(readFileSync(join(cases, p), 'utf8')) as Record<string, unknown>;
  // A few profile steps name supporting files the corpus copy does not hold: loaded when present,
  // listed in the result otherwise (the reference had them; we validate without).
  const missing: string[] = [];
  const readDefs = (files: string[]) => files.filter((f) => existsSync(join(cases, f)) || (missing.push(f), false)).map(read) as unknown as FhirResource[];
  const expected = (java: string | Expected): Expected => (typeof java === 'string' ? { outcome: read(join('outcomes', java)) as unknown as OperationOutcome } : java);
  const structure = createValidator({ level: 'structure' });

  const steps: StepResult[] = [];
  for (const c of manifest['test-cases']) {
    const instance = read(c.file);
    const baseDefs = readDefs([...(c.supporting ?? []), ...(c.profiles ?? [])]);
    const run = (defs: FhirResource[], profiles: string[]) => {
      const issues = structure.validate(instance, { level: 'structure' });
      if (issues.some(isError)) return issues;
      return [...issues, ...createProfileValidator({ extraDefinitions: defs }).validate(instance, { profiles })];
    };
    steps.push(compare(c.name, 'base', expected(c.java), run(baseDefs, [])));
    if (c.profile) {
      const source = read(c.profile.source);
      const defs = [...baseDefs, ...readDefs(c.profile.supporting ?? []), source as unknown as FhirResource];
      steps.push(compare(c.name, 'profile', expected(c.profile.java), run(defs, [String(source.url)])));
    }
  }

  const tally = (step: 'base' | 'profile') => {
    const of = steps.filter((s) => s.step === step);
    return { agree: of.filter((s) => s.agrees).length, total: of.length };
  };
  return {
    steps,
    missing: [...new Set(missing)].sort(),
    base: tally('base'),
    profile: tally('profile'),
    sameElement: {
      found: steps.reduce((n, s) => n + s.locatedFound, 0),
      total: steps.reduce((n, s) => n + s.locatedExpected, 0),
    },
  };
}

function compare(name: string, step: 'base' | 'profile', exp: Expected, issues: OperationOutcomeIssue[]): StepResult {
  const actual = issues.filter(isError);
  const expectedErrors = 'outcome' in exp ? (exp.outcome.issue ?? []).filter(isError) : undefined;
  const expectedErrorCount = 'outcome' in exp ? (expectedErrors ?? []).length : exp.errorCount;
  const ours = actual.flatMap(locations);
  let locatedExpected = 0;
  let locatedFound = 0;
  const missedAt: string[] = [];
  for (const e of expectedErrors ?? []) {
    const where = locations(e);
    if (where.length === 0) continue;
    locatedExpected++;
    if (where.some((w) => ours.some((o) => sameElement(w, o)))) locatedFound++;
    else missedAt.push(where[0]);
  }
  return {
    case: name, step, expected: expectedErrors, expectedErrorCount, actual,
    agrees: (expectedErrorCount > 0) === (actual.length > 0),
    locatedExpected, locatedFound, missedAt,
  };
}

/** A readable list of the steps that disagree, with what each side reported. */
export function describeDisagreements(result: CorpusResult): string {
  const lines: string[] = [];
  for (const s of result.steps) {
    if (s.agrees) continue;
    const kind = s.expectedErrorCount > 0 ? 'false accept' : 'false reject';
    lines.push(`${s.case} [${s.step}] ${kind}`);
    for (const e of s.expected ?? []) lines.push(`  reference: ${locations(e).join(',') || '-'}: ${e.details?.text ?? e.diagnostics ?? ''}`);
    for (const a of s.actual) lines.push(`  ours:      ${locations(a).join(',') || '-'}: ${a.diagnostics ?? a.details?.text ?? ''}`);
  }
  return lines.join('\n');
}

export function describeSummary(result: CorpusResult): string {
  const pct = (a: number, b: number) => (b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(1)}%`);
  return [
    `base step: ${result.base.agree}/${result.base.total} agree (${pct(result.base.agree, result.base.total)})`,
    `profile step: ${result.profile.agree}/${result.profile.total} agree (${pct(result.profile.agree, result.profile.total)})`,
    `same element: ${result.sameElement.found}/${result.sameElement.total} reference errors found at their location (${pct(result.sameElement.found, result.sameElement.total)})`,
  ].join('\n');
}
