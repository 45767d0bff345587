import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Claim, CodeableConcept, ElementDefinition, FhirResource, StructureDefinition } from 'fhir/r4';
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import { CANONICAL } from '../prss/terminology';
import { ResourceBag, defaultRuleOptions } from '../rules/context';
import { runRules } from '../rules/engine';
import '../rules/index';
import { demoResources, loadDemoData } from './index';

const PROFILES_DIR = path.resolve(__dirname, '..', '..', 'profiles');
const definitions = fs.readdirSync(PROFILES_DIR)
  .filter((f) => f.startsWith('StructureDefinition-'))
  .map((f) => JSON.parse(fs.readFileSync(path.join(PROFILES_DIR, f), 'utf8')) as StructureDefinition);
const profiles = definitions.filter((d) => d.kind === 'resource');
const extensionsByUrl = new Map(definitions.filter((d) => d.type === 'Extension').map((d) => [d.url, d]));
const profileByUrl = new Map(profiles.map((p) => [p.url, p]));

const bundle = loadDemoData();
const resources = bundle.entry!.map((e) => e.resource!);
const key = (r: FhirResource) => `${r.resourceType}/${r.id}`;
const byKey = new Map(resources.map((r) => [key(r), r]));

/** Every `reference` string anywhere inside a value. */
function references(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => references(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string') out.push(v);
      else references(v, out);
    }
  }
  return out;
}
interface ExtensionUse { url: string; at: string; parts: string[] }
/** Every extension anywhere inside a resource: its url, the element path it sits on, the urls of its parts. */
function extensionUses(value: unknown, at: string, out: ExtensionUse[] = []): ExtensionUse[] {
  if (Array.isArray(value)) value.forEach((v) => extensionUses(v, at, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'extension' && Array.isArray(v)) {
        for (const x of v as Ext[]) out.push({ url: x.url, at, parts: collectParts(x) });
      } else extensionUses(v, `${at}.${k}`, out);
    }
  }
  return out;
}
/** Urls of the sub-extensions of a complex extension, at any depth. */
interface Ext { url: string; extension?: Ext[] }
function collectParts(x: Ext): string[] {
  return (x.extension ?? []).flatMap((p) => [p.url, ...collectParts(p)]);
}
const containsCoding = (cc: CodeableConcept, pattern: CodeableConcept) =>
  (pattern.coding ?? []).every((p) => (cc.coding ?? []).some((c) => (!p.system || c.system === p.system) && (!p.code || c.code === p.code)));

describe('demo data', () => {
  it('is a transaction of PUTs at stable ids, each resource once', () => {
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.type).toBe('transaction');
    for (const e of bundle.entry!) {
      expect(e.request).toEqual({ method: 'PUT', url: key(e.resource!) });
      expect(e.resource!.id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
    }
    expect(byKey.size).toBe(resources.length);
  });

  it('is the same every time it is built, so loading it twice changes nothing', () => {
    expect(loadDemoData()).toEqual(bundle);
    expect(demoResources()).toEqual(resources);
  });

  it('bills only clean claims: every rule of the Virginia pack (the five rules of issue 25 included) passes every demo claim', () => {
    const bag = new ResourceBag(resources);
    const claims = resources.filter((r): r is Claim => r.resourceType === 'Claim');
    expect(claims.length).toBeGreaterThanOrEqual(35);
    const findings = claims.flatMap((claim) =>
      runRules({ jurisdiction: 'US-VA', claim, data: bag, options: defaultRuleOptions }).map((r) => `${claim.id}: ${r.rule.id} at ${r.finding.expression}: ${r.finding.diagnostics}`));
    expect(findings).toEqual([]);
  });

  it('resolves every reference inside the bundle', () => {
    const dangling = resources.flatMap((r) => references(r).filter((ref) => !byKey.has(ref)).map((ref) => `${key(r)} -> ${ref}`));
    expect(dangling).toEqual([]);
    expect(resources.flatMap((r) => references(r)).length).toBeGreaterThan(300);
  });

  it('has the cast of the demo: one provider, its payer, two PRS, a supervisor, an LMHP and five members (one FSP youth with a caregiver)', () => {
    const count = (type: string) => resources.filter((r) => r.resourceType === type).length;
    expect(count('Patient')).toBe(5);
    expect(count('Coverage')).toBe(5);
    expect(count('RelatedPerson')).toBe(1);
    expect(count('Practitioner')).toBe(4);
    expect(count('PractitionerRole')).toBe(4);
    expect(count('Organization')).toBe(2);
    expect(count('CarePlan')).toBe(5);
    expect(count('Group')).toBe(1);
    expect(count('Claim')).toBeGreaterThanOrEqual(35);
    const months = new Set(resources.filter((r) => r.resourceType === 'Encounter').map((e) => (e as { period?: { start?: string } }).period?.start?.slice(0, 7)));
    expect([...months].sort()).toEqual(['2026-01', '2026-02', '2026-03', '2026-04']);
  });

  it('gives every resource our profile for its type, except the payer organization and the members Group, which no profile describes', () => {
    const unprofiled = resources.filter((r) => !r.meta?.profile?.length).map(key);
    expect(unprofiled).toEqual(['Organization/payer-demo', 'Group/demo-members']);
    for (const r of resources.filter((x) => x.meta?.profile?.length)) {
      for (const url of r.meta!.profile!) {
        expect([key(r), url.startsWith(CANONICAL)]).toEqual([key(r), true]);
        expect([key(r), profileByUrl.get(url)?.type]).toEqual([key(r), r.resourceType]);
      }
    }
  });

  it('has at least one instance of every profile in profiles/', () => {
    const used = new Set(resources.flatMap((r) => r.meta?.profile ?? []));
    expect(profiles.length).toBe(16);
    expect(profiles.map((p) => p.url).filter((u) => !used.has(u))).toEqual([]);
  });

  it('uses only extensions the package defines, where their context allows them', () => {
    for (const r of resources) {
      for (const use of extensionUses(r, r.resourceType)) {
        const sd = extensionsByUrl.get(use.url);
        expect([key(r), use.url, !!sd]).toEqual([key(r), use.url, true]);
        expect([key(r), use.url, sd!.context!.some((c) => c.expression === use.at)]).toEqual([key(r), use.url, true]);
        // Parts of a complex extension are named by relative url (`signature` inside `review`, never the absolute one).
        expect([key(r), use.url, use.parts.filter((u) => u.includes('/'))]).toEqual([key(r), use.url, []]);
      }
    }
  });

  describe.each(profiles.map((p) => [p.id!, p] as const))('instances of %s', (_id, profile) => {
    const instances = resources.filter((r) => r.meta?.profile?.includes(profile.url));
    const top = profile.snapshot!.element.filter((e) => e.path.split('.').length === 2);
    const own = (profile.snapshot!.element[0].constraint ?? []).filter((c) => c.source === profile.url);

    it('meet its top-level cardinalities, fixed values, patterns and required slices', () => {
      for (const r of instances) {
        const json = r as unknown as Record<string, unknown>;
        for (const e of top) {
          const name = e.path.split('.')[1].replace('[x]', '');
          const keys = Object.keys(json).filter((k) => k === name || (e.path.endsWith('[x]') && k.startsWith(name)));
          const values = keys.flatMap((k) => (Array.isArray(json[k]) ? (json[k] as unknown[]) : [json[k]]));
          if (e.sliceName) {
            checkSlice(r, e, values);
            continue;
          }
          if ((e.min ?? 0) > 0) expect([key(r), e.id, values.length >= e.min!]).toEqual([key(r), e.id, true]);
          if (e.max === '0') expect([key(r), e.id, values.length]).toEqual([key(r), e.id, 0]);
          if (e.fixedCode) expect([key(r), e.id, values]).toEqual([key(r), e.id, [e.fixedCode]]);
          if (e.patternCodeableConcept) expect([key(r), e.id, containsCoding(values[0] as CodeableConcept, e.patternCodeableConcept)]).toEqual([key(r), e.id, true]);
        }
      }
    });

    it('satisfy its own invariants', () => {
      for (const r of instances) {
        for (const c of own) expect([key(r), c.key, fhirpath.evaluate(r, c.expression!, undefined, r4)]).toEqual([key(r), c.key, [true]]);
      }
    });
  });
});

function checkSlice(r: FhirResource, e: ElementDefinition, values: unknown[]) {
  let matching: unknown[];
  const extensionUrl = e.type?.[0]?.code === 'Extension' ? e.type[0].profile?.[0] : undefined;
  if (extensionUrl) matching = values.filter((v) => (v as { url: string }).url === extensionUrl);
  else if (e.patternCodeableConcept) matching = values.filter((v) => containsCoding(v as CodeableConcept, e.patternCodeableConcept!));
  else return;
  const max = e.max === '*' ? Infinity : Number(e.max);
  expect([key(r), e.id, matching.length >= (e.min ?? 0) && matching.length <= max]).toEqual([key(r), e.id, true]);
}
