/**
 * The published R4 bundles are parsed once and shared; their narratives are dropped on the way in
 * (tens of megabytes of XHTML that no reader uses), and everything else is kept as published.
 */
import type { StructureDefinition, ValueSet } from 'fhir/r4';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFINITIONS_DIR, coreResources } from './core-definitions';

describe('coreResources', () => {
  it('keeps every resource of a bundle but not its narrative, and parses each file once', () => {
    const published = JSON.parse(readFileSync(join(DEFINITIONS_DIR, 'valuesets.json'), 'utf8')) as { entry: { resource: ValueSet }[] };
    const withText = published.entry.filter((e) => e.resource.text).length;
    expect(withText).toBeGreaterThan(100);
    const loaded = coreResources('valuesets.json');
    expect(loaded).toHaveLength(published.entry.length);
    expect(loaded.filter((r) => 'text' in r)).toEqual([]);
    // Apart from the narrative, a resource is as published.
    const { text: _dropped, ...expected } = published.entry[0].resource;
    expect(loaded[0]).toEqual(expected);
    expect(coreResources('valuesets.json')).toBe(loaded);
  });

  it('leaves the definitions the validator reads whole', () => {
    const patient = coreResources('profiles-resources.json').find((r): r is StructureDefinition => r.resourceType === 'StructureDefinition' && r.id === 'Patient');
    expect(patient?.text).toBeUndefined();
    expect(patient?.snapshot?.element.find((e) => e.path === 'Patient.birthDate')?.type?.[0].code).toBe('date');
  });
});
