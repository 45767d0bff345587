/**
 * The official FHIR R4 examples (the published package hl7.fhir.r4.examples 4.0.1) through the
 * write-path validator: structure, primitives, base invariants, then the base StructureDefinitions.
 *
 * The package's definitional content (StructureDefinitions, CodeSystems, ValueSets… and the Bundles
 * of them) is left out: the core spec uses some of its own extensions outside their declared
 * contexts there (e.g. structuredefinition-normative-version on CodeSystems). Every example proper
 * must pass, except the few that break R4 themselves, listed below with what is wrong in each; a
 * false accept of one of them fails this test as surely as a false reject of any other.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createValidator } from '.';
import { createProfileValidator } from './profile-validator';

const dir = path.dirname(require.resolve('hl7.fhir.r4.examples/package.json'));
const DEFINITIONAL = new Set(['StructureDefinition', 'CodeSystem', 'ValueSet', 'SearchParameter', 'OperationDefinition', 'CapabilityStatement',
  'ImplementationGuide', 'CompartmentDefinition', 'ConceptMap', 'NamingSystem', 'StructureMap', 'GraphDefinition', 'MessageDefinition', 'TerminologyCapabilities']);

/** Examples that are invalid R4 as published, and why. */
const INVALID_AS_PUBLISHED: Record<string, string> = {
  'ActivityDefinition-blood-tubes-supply.json': 'narrative div has no content (txt-1/txt-2)',
  'ActivityDefinition-heart-valve-replacement.json': 'narrative div has no content (txt-1/txt-2)',
  'EventDefinition-example.json': 'narrative div has no content (txt-1/txt-2)',
  'Questionnaire-zika-virus-exposure-assessment.json': 'narrative div has no content (txt-1/txt-2)',
  'Questionnaire-bb.json': "enableWhen with operator 'exists' and a non-boolean answer (que-7)",
  'Questionnaire-qs1.json': 'an item without its required linkId',
  'Basic-referral.json': 'modifierExtensions nobody defines (an unknown modifier extension is an error)',
  'Bundle-hla-1.json': "sub-extension 'uri' that hla-genotyping-results-glstring does not define",
  'DeviceMetric-example.json': 'parent refers to a DeviceDefinition; R4 allows only Device',
  'DeviceUseStatement-example.json': 'reasonReference to a Procedure, not an allowed target',
  'MedicationRequest-medrx0301.json': 'dispenseRequest.performer refers to a Practitioner; R4 allows only Organization',
  'Observation-clinical-gender.json': 'performer refers to an Encounter, not an allowed target',
  'Bundle-10bb101f-a121-4264-a920-67be9cb82c74.json': "a RESTful fullUrl …/Patient/pat12 on the entry Patient/pat2",
  'Bundle-3a0707d3-549e-4467-b8b8-5a2ab3800efe.json': "a RESTful fullUrl …/Patient/pat12 on the entry Patient/pat2",
  'Bundle-lri-example.json': "RESTful fullUrls (…/Observation/lri-gramstain1) that do not end with the entry's type and id (Observation/gramstain1)",
};

describe('the official R4 examples', () => {
  it('pass the write-path validator, except the ones invalid as published', () => {
    const structure = createValidator({ level: 'structure' });
    const profiles = createProfileValidator();
    const failing: string[] = [];
    let checked = 0;
    for (const file of readdirSync(dir).sort()) {
      if (!file.endsWith('.json') || file === 'package.json' || file.startsWith('.')) continue;
      const r = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
      if (!r.resourceType || DEFINITIONAL.has(r.resourceType)) continue;
      if (r.resourceType === 'Bundle' && (r.entry ?? []).some((e: { resource?: { resourceType?: string } }) => DEFINITIONAL.has(e.resource?.resourceType ?? ''))) continue;
      checked++;
      const issues = [...structure.validate(r, { level: 'structure' })];
      if (!issues.some((i) => i.severity === 'error' || i.severity === 'fatal')) issues.push(...profiles.validate(r));
      if (issues.some((i) => i.severity === 'error' || i.severity === 'fatal')) failing.push(file);
    }
    expect(checked).toBeGreaterThan(700);
    expect(failing).toEqual(Object.keys(INVALID_AS_PUBLISHED).sort());
  }, 300_000);
});
