/**
 * The conformance package against the wire contract: every URL and code of docs/spec/domain-model.md
 * (parsed from its tables, so the test follows the document) exists in profiles/; snapshots are
 * complete merges of the base definitions; the files on disk are what the generator makes now.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CodeSystem, ElementDefinition, StructureDefinition, ValueSet } from 'fhir/r4';
import fhirpath from 'fhirpath';
import {
  PROFILES_DIR, SHARED_DIR, baseDefinitions, buildSnapshot, isGeneratedFile, parseRules, renderPackage,
} from './build-profiles';

const BASE = 'http://prss.example.org/fhir';
const domainModel = fs.readFileSync(path.join(SHARED_DIR, 'domain-model.md'), 'utf8');
const rulesMd = fs.readFileSync(path.join(SHARED_DIR, 'rules.md'), 'utf8');

const onDisk = new Map(
  fs.readdirSync(PROFILES_DIR).filter((f) => f.endsWith('.json')).map((f) => [f, fs.readFileSync(path.join(PROFILES_DIR, f), 'utf8')]),
);
const read = <T>(file: string): T => {
  const text = onDisk.get(file);
  if (!text) throw new Error(`profiles/${file} is missing`);
  return JSON.parse(text) as T;
};
const structureDefinitions = [...onDisk.keys()].filter((f) => f.startsWith('StructureDefinition-')).map((f) => read<StructureDefinition>(f));
const ticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

/** Rows (cells) of the markdown table under a heading. */
function tableUnder(markdown: string, heading: string): string[][] {
  const start = markdown.indexOf(heading);
  if (start < 0) throw new Error(`no section ${heading}`);
  const lines = markdown.slice(start).split('\n').slice(1);
  const rows: string[][] = [];
  let seen = false;
  for (const line of lines) {
    if (line.startsWith('|')) {
      seen = true;
      rows.push(splitRow(line));
    } else if (seen) break;
  }
  return rows.slice(2); // header and separator
}
/** Cells of a table row; a `|` inside backticks or parentheses does not split. */
function splitRow(line: string): string[] {
  const cells: string[] = [];
  let cur = '';
  let tick = false;
  for (const ch of line.trim().slice(1, -1)) {
    if (ch === '`') tick = !tick;
    if (ch === '|' && !tick) {
      cells.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  cells.push(cur.trim());
  return cells;
}
/** Split at `sep` outside parentheses. */
function topLevel(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === sep && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}
/** Backticked names outside parentheses. */
function topLevelTicks(text: string): string[] {
  let depth = 0;
  let flat = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (depth === 0) flat += ch;
    if (ch === ')') depth--;
  }
  return ticked(flat);
}

const codeSystemRows = tableUnder(domainModel, '## Our code systems').map(([id, codes]) => ({ id: ticked(id)[0], codes: ticked(codes) }));
const profileRows = tableUnder(domainModel, '## Resources and profiles')
  .map(([, resource, profile, carry]) => ({ resource, profile: ticked(profile)[0], carry }))
  .filter((r) => r.profile);
/** Extensions named in a profile's row: the top-level names after the word "extension(s)" in each clause. */
const extensionRows = profileRows.flatMap((row) =>
  topLevel(row.carry, ';').flatMap((clause) => {
    const at = clause.search(/\bextensions?\b/);
    if (at < 0) return [];
    return topLevelTicks(clause.slice(at)).filter((name) => !name.includes('.')).map((id) => ({ id, resource: row.resource, clause: clause.slice(at) }));
  }));

describe('the package carries every URL and code of domain-model.md', () => {
  it('parses the tables it checks against (so a silently empty parse cannot pass)', () => {
    expect(codeSystemRows.length).toBeGreaterThanOrEqual(16);
    expect(profileRows.length).toBeGreaterThanOrEqual(16);
    expect(extensionRows.length).toBeGreaterThanOrEqual(25);
    expect(extensionRows.map((e) => e.id)).toEqual(expect.arrayContaining(['enrollment', 'planned-intensity', 'review', 'youth-benefit', 'paid-caregiver']));
  });

  it.each(codeSystemRows)('code system $id has its canonical URL and every listed code, and a value set of all of them', ({ id, codes }) => {
    const cs = read<CodeSystem>(`CodeSystem-${id}.json`);
    expect(cs.url).toBe(`${BASE}/CodeSystem/${id}`);
    expect(cs.content).toBe('complete');
    const defined = (cs.concept ?? []).map((c) => c.code);
    expect(defined).toEqual(expect.arrayContaining(codes));
    expect(new Set(defined).size).toBe(defined.length);
    const valueSet = read<ValueSet>(`ValueSet-${id}.json`);
    expect(valueSet.url).toBe(`${BASE}/ValueSet/${id}`);
    expect(valueSet.compose?.include).toEqual([{ system: cs.url }]);
    expect(valueSet.expansion?.contains?.map((c) => c.code).sort()).toEqual([...defined].sort());
  });

  it.each(profileRows)('profile $profile constrains $resource', ({ profile, resource }) => {
    const sd = read<StructureDefinition>(`StructureDefinition-${profile}.json`);
    expect(sd.url).toBe(`${BASE}/StructureDefinition/${profile}`);
    expect(sd.type).toBe(resource);
    expect(sd.kind).toBe('resource');
    expect(sd.baseDefinition).toBe(`http://hl7.org/fhir/StructureDefinition/${resource}`);
    expect(sd.derivation).toBe('constraint');
    expect(sd.fhirVersion).toBe('4.0.1');
  });

  it.each(extensionRows)('extension $id is defined for $resource and sliced into that profile', ({ id, resource }) => {
    const sd = read<StructureDefinition>(`StructureDefinition-${id}.json`);
    expect(sd.url).toBe(`${BASE}/StructureDefinition/${id}`);
    expect(sd.type).toBe('Extension');
    expect(sd.derivation).toBe('constraint');
    expect(sd.context?.some((c) => c.type === 'element' && (c.expression === resource || c.expression.startsWith(`${resource}.`)))).toBe(true);
    const url = snapshotEl(sd, 'Extension.url');
    expect(url.fixedUri).toBe(sd.url);
    // The profile(s) of that resource that name the extension slice it in.
    const users = profileRows.filter((r) => r.resource === resource && extensionRows.some((e) => e.id === id && r.carry.includes(`\`${id}\``)));
    expect(users.length).toBeGreaterThan(0);
    for (const user of users) {
      const p = read<StructureDefinition>(`StructureDefinition-${user.profile}.json`);
      expect(p.snapshot!.element.some((e) => e.type?.some((t) => t.code === 'Extension' && t.profile?.includes(sd.url)))).toBe(true);
    }
  });

  it('codes given inline for coded extensions are in the value set the extension binds', () => {
    const inline = [...domainModel.matchAll(/`([a-z-]+)` \(`([^`]+)`\/`([^`]+)`\)/g)].map((m) => ({ id: m[1], codes: [m[2], m[3]] }));
    expect(inline.map((i) => i.id)).toEqual(expect.arrayContaining(['employment-type', 'youth-residence']));
    for (const { id, codes } of inline) {
      const value = snapshotEl(read<StructureDefinition>(`StructureDefinition-${id}.json`), 'Extension.value[x]');
      expect(value.type).toEqual([{ code: 'code' }]);
      const vs = read<ValueSet>(`ValueSet-${value.binding!.valueSet!.split('/').pop()}.json`);
      expect(vs.expansion!.contains!.map((c) => c.code)).toEqual(codes);
    }
  });

  it('coded extensions carry valueCode bound (required) to our value set; jurisdiction alone is a CodeableConcept of the three states', () => {
    const coded = ['employment-type', 'functional-impairment', 'fsp-need', 'program', 'contact-mode', 'activity', 'youth-residence'];
    for (const id of coded) {
      const value = snapshotEl(read<StructureDefinition>(`StructureDefinition-${id}.json`), 'Extension.value[x]');
      expect([id, value.type]).toEqual([id, [{ code: 'code' }]]);
      expect(value.binding?.strength).toBe('required');
      expect(onDisk.has(`ValueSet-${value.binding!.valueSet!.split('/').pop()}.json`)).toBe(true);
    }
    const jurisdiction = snapshotEl(read<StructureDefinition>('StructureDefinition-jurisdiction.json'), 'Extension.value[x]');
    expect(jurisdiction.type).toEqual([{ code: 'CodeableConcept' }]);
    const states = read<ValueSet>('ValueSet-prss-jurisdiction.json').expansion!.contains!;
    expect(states.map((c) => `${c.system}|${c.code}`)).toEqual(['US-VA', 'US-IN', 'US-CT'].map((c) => `urn:iso:std:iso:3166:-2|${c}`));
  });

  it('complex extensions name their parts with the relative urls of the domain model', () => {
    const parts: Record<string, string[]> = {
      enrollment: ['program', 'providerType', 'period', 'payer'],
      'planned-intensity': ['daysPerWeek', 'hoursPerWeek', 'unitsPerDay'],
      signature: ['role', 'party', 'date'],
      review: ['date', 'documented', 'signature', 'goalsUpdated'],
    };
    for (const [id, names] of Object.entries(parts)) {
      const sd = read<StructureDefinition>(`StructureDefinition-${id}.json`);
      for (const name of names) expect([id, snapshotEl(sd, `Extension.extension:${name}.url`).fixedUri]).toEqual([id, name]);
      expect(snapshotEl(sd, 'Extension.value[x]').max).toBe('0');
    }
    const intensity = read<StructureDefinition>('StructureDefinition-planned-intensity.json');
    expect(intensity.context).toEqual([{ type: 'element', expression: 'CarePlan.activity.detail' }]);
    expect(snapshotEl(intensity, 'Extension.extension:daysPerWeek.value[x]').type).toEqual([{ code: 'integer' }]);
    expect(snapshotEl(intensity, 'Extension.extension:hoursPerWeek.value[x]').type).toEqual([{ code: 'decimal' }]);
    expect(snapshotEl(intensity, 'Extension.extension:unitsPerDay').min).toBe(0);
    // A review's signatures have the same shape as the plan's.
    const review = read<StructureDefinition>('StructureDefinition-review.json');
    expect(snapshotEl(review, 'Extension.extension:signature').max).toBe('*');
    expect(snapshotEl(review, 'Extension.extension:signature.extension:role.value[x]').binding?.valueSet).toBe(`${BASE}/ValueSet/prss-signer-role`);
  });

  it('the rule code system holds every rule id of rules.md', () => {
    const ids = [...rulesMd.matchAll(/^\|\s*`([a-z0-9-]+)`\s*\|\s*(?:error|warning)\s*\|/gm)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(60);
    expect(parseRules(rulesMd).map((r) => r.id)).toEqual(ids);
    const cs = read<CodeSystem>('CodeSystem-prss-rule.json');
    expect(cs.url).toBe(`${BASE}/CodeSystem/prss-rule`);
    expect(cs.concept!.map((c) => c.code)).toEqual(ids);
    const pack = (code: string) => cs.concept!.find((c) => c.code === code)!.property!.find((p) => p.code === 'pack')!.valueCode;
    expect([pack('npi-valid'), pack('va-caseload'), pack('in-no-group'), pack('ct-rate')]).toEqual(['common', 'US-VA', 'US-IN', 'US-CT']);
  });
});

function snapshotEl(sd: StructureDefinition, id: string): ElementDefinition {
  const e = sd.snapshot?.element.find((x) => x.id === id);
  if (!e) throw new Error(`${sd.id}: no snapshot element ${id}`);
  return e;
}

describe('profiles', () => {
  const profile = (id: string) => read<StructureDefinition>(`StructureDefinition-${id}.json`);

  it('fix the values the domain model fixes', () => {
    expect(snapshotEl(profile('prss-rrwp'), 'CarePlan.intent').fixedCode).toBe('plan');
    expect(snapshotEl(profile('prss-assessment'), 'ServiceRequest.intent').fixedCode).toBe('order');
    expect(snapshotEl(profile('prss-claim'), 'Claim.use').fixedCode).toBe('claim');
    expect(snapshotEl(profile('prss-claim'), 'Claim.type').patternCodeableConcept?.coding?.[0].code).toBe('professional');
    expect(snapshotEl(profile('prss-release'), 'Consent.scope').patternCodeableConcept?.coding?.[0].code).toBe('patient-privacy');
    const rrwp = snapshotEl(profile('prss-rrwp'), 'CarePlan.category:rrwp');
    expect([rrwp.min, rrwp.patternCodeableConcept]).toEqual([1, { coding: [{ system: `${BASE}/CodeSystem/prss-careplan-category`, code: 'rrwp' }] }]);
    expect(snapshotEl(profile('prss-rrwp'), 'CarePlan.category:AssessPlan').patternCodeableConcept?.coding?.[0].code).toBe('assess-plan');
    expect(snapshotEl(profile('prss-supervision'), 'Encounter.type:kind').patternCodeableConcept?.coding?.[0].code).toBe('supervision');
    expect(snapshotEl(profile('prss-supervision'), 'Encounter.subject').max).toBe('0');
  });

  it('keep the US Core floor at error severity', () => {
    const min = (p: string, id: string) => snapshotEl(profile(p), id).min;
    expect([min('prss-member', 'Patient.identifier'), min('prss-member', 'Patient.name'), min('prss-member', 'Patient.gender')]).toEqual([1, 1, 1]);
    expect(min('prss-encounter', 'Encounter.type')).toBe(1);
    expect(min('prss-supervision', 'Encounter.type')).toBe(1);
    expect([min('prss-progress-note', 'DocumentReference.type'), min('prss-progress-note', 'DocumentReference.category')]).toEqual([1, 1]);
    expect(min('prss-coverage', 'Coverage.relationship')).toBe(1);
    expect(min('prss-rrwp', 'CarePlan.category:AssessPlan')).toBe(1);
    const pd1 = profile('prss-practitioner-role').snapshot!.element[0].constraint!.find((c) => c.expression === 'telecom.exists() or endpoint.exists()');
    expect(pd1?.severity).toBe('error');
    expect([min('prss-release', 'Consent.policyRule'), min('prss-release', 'Consent.category')]).toEqual([1, 1]);
  });

  it("prss-encounter requires a subject unless the encounter is a supervision meeting", () => {
    const inv = profile('prss-encounter').snapshot!.element[0].constraint!.find((c) => c.key === 'prss-encounter-1')!;
    const kind = (code: string) => ({ resourceType: 'Encounter', type: [{ coding: [{ system: `${BASE}/CodeSystem/prss-encounter-kind`, code }] }] });
    const r4 = require('fhirpath/fhir-context/r4');
    expect(fhirpath.evaluate(kind('session'), inv.expression!, undefined, r4)).toEqual([false]);
    expect(fhirpath.evaluate({ ...kind('session'), subject: { reference: 'Patient/1' } }, inv.expression!, undefined, r4)).toEqual([true]);
    expect(fhirpath.evaluate(kind('supervision'), inv.expression!, undefined, r4)).toEqual([true]);
  });

  it('every FHIRPath constraint of ours compiles', () => {
    const r4 = require('fhirpath/fhir-context/r4');
    const ours = structureDefinitions.flatMap((sd) => sd.snapshot!.element.flatMap((e) => (e.constraint ?? []).filter((c) => c.source === sd.url)));
    expect(ours.length).toBeGreaterThan(10);
    for (const c of ours) expect(() => fhirpath.compile(c.expression!, r4)).not.toThrow();
  });

  it('reference the package only by URLs it defines (extension profiles, value sets, target profiles)', () => {
    const urls = new Set([...onDisk.values()].map((t) => JSON.parse(t) as { url?: string }).map((r) => r.url));
    const ours = (u: string | undefined) => !!u && u.startsWith(BASE);
    for (const sd of structureDefinitions) {
      for (const e of sd.snapshot!.element) {
        for (const t of e.type ?? []) for (const u of [...(t.profile ?? []), ...(t.targetProfile ?? [])]) if (ours(u)) expect([sd.id, e.id, urls.has(u)]).toEqual([sd.id, e.id, true]);
        if (ours(e.binding?.valueSet)) expect([sd.id, e.id, urls.has(e.binding!.valueSet)]).toEqual([sd.id, e.id, true]);
      }
    }
  });
});

describe('snapshots', () => {
  const defs = baseDefinitions();

  it.each(structureDefinitions.map((sd) => [sd.id!, sd] as const))('%s contains every base element, in base order, with unique ids', (_id, sd) => {
    const base = defs.byUrl.get(sd.baseDefinition!)!;
    const ids = sd.snapshot!.element.map((e) => e.id!);
    expect(new Set(ids).size).toBe(ids.length);
    const positions = base.snapshot!.element.map((e) => ids.indexOf(e.id!));
    expect(positions.filter((p) => p < 0)).toEqual([]);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it.each(structureDefinitions.map((sd) => [sd.id!, sd] as const))('%s applies its differential and keeps paths and slices consistent', (_id, sd) => {
    const snap = new Map(sd.snapshot!.element.map((e) => [e.id!, e]));
    for (const d of sd.differential!.element) {
      const s = snap.get(d.id!)!;
      expect(s).toBeDefined();
      if (d.min !== undefined) expect([d.id, s.min]).toEqual([d.id, d.min]);
      if (d.max !== undefined) expect([d.id, s.max]).toEqual([d.id, d.max]);
      if (d.binding) expect(s.binding).toEqual(d.binding);
      if (d.type) expect(s.type).toEqual(d.type);
    }
    for (const e of sd.snapshot!.element) {
      expect(e.path).toBe(e.id!.split('.').map((p) => p.split(':')[0]).join('.'));
      // A slice's sliced element (same id without the last slice name) declares the slicing.
      const last = e.id!.split('.').pop()!;
      if (last.includes(':')) {
        expect(e.sliceName).toBe(last.split(':')[1]);
        const sliced = e.id!.slice(0, e.id!.length - last.length) + last.split(':')[0];
        expect([e.id, !!snap.get(sliced)?.slicing]).toEqual([e.id, true]);
      }
      expect(Number(e.max === '*' ? Infinity : e.max)).toBeGreaterThanOrEqual(e.min ?? 0);
    }
  });

  it('unfolds data types the differential reaches into (Period.start under CarePlan.period)', () => {
    const sd = read<StructureDefinition>('StructureDefinition-prss-rrwp.json');
    const ids = sd.snapshot!.element.map((e) => e.id);
    const at = ids.indexOf('CarePlan.period');
    expect(ids.slice(at, at + 5)).toEqual(['CarePlan.period', 'CarePlan.period.id', 'CarePlan.period.extension', 'CarePlan.period.start', 'CarePlan.period.end']);
    expect(snapshotEl(sd, 'CarePlan.period.start').min).toBe(1);
    expect(snapshotEl(sd, 'CarePlan.period.start').base?.path).toBe('Period.start');
  });

  it('puts extension slices right after the sliced element, with ids like Encounter.extension:contactMode', () => {
    const sd = read<StructureDefinition>('StructureDefinition-prss-encounter.json');
    const ids = sd.snapshot!.element.map((e) => e.id);
    const at = ids.indexOf('Encounter.extension');
    expect(ids[at + 1]).toBe('Encounter.extension:rrwp');
    expect(ids).toContain('Encounter.extension:contactMode');
    expect(ids[ids.indexOf('Encounter.extension:youthBenefit') + 1]).toBe('Encounter.modifierExtension');
    expect(snapshotEl(sd, 'Encounter.extension:contactMode').type).toEqual([{ code: 'Extension', profile: [`${BASE}/StructureDefinition/contact-mode`] }]);
  });

  it('rejects a differential that loosens the base or names what does not exist', () => {
    const encounter = defs.byId.get('Encounter')!.snapshot!.element;
    const el = (id: string, props: Partial<ElementDefinition>) => ({ id, path: id, ...props }) as ElementDefinition;
    expect(() => buildSnapshot(encounter, [el('Encounter.status', { min: 0 })], 'x')).toThrow(/below base min/);
    expect(() => buildSnapshot(encounter, [el('Encounter.class', { max: '*' })], 'x')).toThrow(/above base max/);
    expect(() => buildSnapshot(encounter, [el('Encounter.subject', { type: [{ code: 'string' }] })], 'x')).toThrow(/not allowed/);
    expect(() => buildSnapshot(encounter, [el('Encounter.subject', { type: [{ code: 'Reference', targetProfile: ['http://hl7.org/fhir/StructureDefinition/Claim'] }] })], 'x')).toThrow(/not allowed/);
    expect(() => buildSnapshot(encounter, [el('Encounter.nothing', { min: 1 })], 'x')).toThrow(/no child/);
    expect(() => buildSnapshot(encounter, [el('Encounter.period.nothing', { min: 1 })], 'x')).toThrow(/no child/);
  });
});

describe('generated files', () => {
  const generated = renderPackage(rulesMd);

  it('are up to date with the generator (run `npx tsx scripts/build-profiles.ts`)', () => {
    const stale = [...generated].filter(([name, text]) => fs.existsSync(path.join(PROFILES_DIR, name)) ? fs.readFileSync(path.join(PROFILES_DIR, name), 'utf8') !== text : true).map(([n]) => n);
    expect(stale).toEqual([]);
    const extra = fs.readdirSync(PROFILES_DIR).filter((f) => isGeneratedFile(f) && !generated.has(f));
    expect(extra).toEqual([]);
  });

  it('are deterministic', () => {
    expect([...renderPackage(rulesMd)]).toEqual([...generated]);
  });

  it('include a FHIR package manifest and an index of every resource', () => {
    const manifest = JSON.parse(generated.get('package.json')!);
    expect(manifest).toMatchObject({ name: 'prss.example.fhir', fhirVersions: ['4.0.1'], dependencies: { 'hl7.fhir.r4.core': '4.0.1' } });
    const index = JSON.parse(generated.get('.index.json')!) as { 'index-version': number; files: { filename: string; url: string; resourceType: string; id: string }[] };
    const resources = [...generated.keys()].filter((f) => f !== 'package.json' && f !== '.index.json');
    expect(index.files.map((f) => f.filename).sort()).toEqual(resources.sort());
    for (const f of index.files) {
      const r = JSON.parse(generated.get(f.filename)!);
      expect([f.resourceType, f.id, f.url]).toEqual([r.resourceType, r.id, r.url]);
      expect(f.filename).toBe(`${r.resourceType}-${r.id}.json`);
    }
  });
});
