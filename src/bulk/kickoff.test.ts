import { loadConfig } from '../config';
import { loadOperationDefinition } from '../fhir/operations/parameters';
import type { AccessPolicy, FhirDeps, FhirRequest } from '../fhir/types';
import { forbidden, isOutcomeError } from '../outcomes';
import { PATIENT_COMPARTMENT_TYPES, compartmentCondition } from './compartment';
import { parseKickOff, patientIdOf } from './kickoff';
import { SqlParams } from '../store/sql';

const system = loadOperationDefinition('export');
const group = loadOperationDefinition('group-export');
const deps = (access?: AccessPolicy) => ({ config: loadConfig({}), readOnlyTypes: new Set(['StructureDefinition']), access }) as unknown as FhirDeps;
const req = (query: [string, string][], extra: Partial<FhirRequest> = {}): FhirRequest => ({
  method: 'GET', path: '/$export', query, headers: { accept: 'application/fhir+json' }, prefer: { respondAsync: true }, baseUrl: 'http://x/fhir', requestId: 't', ...extra,
});
const status = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (isOutcomeError(e)) return e.status;
    throw e;
  }
  return 200;
};

describe('parseKickOff', () => {
  it('needs Prefer: respond-async', () => {
    expect(status(() => parseKickOff(system, 'system', req([], { prefer: {} }), deps()))).toBe(400);
  });

  it('needs Accept: application/fhir+json (missing, or naming only other types, is a 400)', () => {
    for (const accept of [undefined, '', 'application/json', '*/*', 'text/html']) {
      expect([accept, status(() => parseKickOff(system, 'system', req([], { headers: { accept } }), deps()))]).toEqual([accept, 400]);
    }
    expect(status(() => parseKickOff(system, 'system', req([], { headers: { accept: 'application/json, application/fhir+json;q=0.9' } }), deps()))).toBe(200);
  });

  it('_since in the future is a 400', () => {
    expect(status(() => parseKickOff(system, 'system', req([['_since', '2057-01-01T00:00:00+05:00']]), deps()))).toBe(400);
    expect(status(() => parseKickOff(system, 'system', req([['_since', new Date(Date.now() - 1000).toISOString()]]), deps()))).toBe(200);
  });

  it('_elements: names or Type.name, repeated or comma-separated; anything else is a 400', () => {
    expect(parseKickOff(system, 'system', req([['_elements', 'id,Patient.name'], ['_elements', 'status']]), deps()).elements).toEqual(['id', 'Patient.name', 'status']);
    for (const e of ['name.family', 'Bogus.id', 'Patient.', '1abc']) expect([e, status(() => parseKickOff(system, 'system', req([['_elements', e]]), deps()))]).toEqual([e, 400]);
  });

  it('includeAssociatedData: the IG values, repeated or comma-separated; others are 400 (ignored with a warning when lenient)', () => {
    const spec = parseKickOff(system, 'system', req([['includeAssociatedData', 'LatestProvenanceResources,RelevantProvenanceResources'], ['includeAssociatedData', 'LatestProvenanceResources']]), deps());
    expect(spec.associated).toEqual(['LatestProvenanceResources', 'RelevantProvenanceResources']);
    expect(status(() => parseKickOff(system, 'system', req([['includeAssociatedData', '_custom']]), deps()))).toBe(400);
    const lenient = parseKickOff(system, 'system', req([['includeAssociatedData', '_custom']], { prefer: { respondAsync: true, handling: 'lenient' } }), deps());
    expect(lenient.associated).toBeUndefined();
    expect(lenient.warnings).toEqual([expect.stringMatching(/includeAssociatedData.*_custom/)]);
  });

  it('takes the three ndjson spellings of _outputFormat (an unencoded + arrives as a space) and nothing else', () => {
    for (const f of ['application/fhir+ndjson', 'application/fhir ndjson', 'application/ndjson', 'ndjson']) {
      expect(status(() => parseKickOff(system, 'system', req([['_outputFormat', f]]), deps()))).toBe(200);
    }
    for (const f of ['application/fhir+json', 'text/csv', '']) expect(status(() => parseKickOff(system, 'system', req([['_outputFormat', f]]), deps()))).toBe(400);
  });

  it('_type: comma lists and repeats merge; unknown types are 400; default leaves out conformance types', () => {
    expect(parseKickOff(system, 'system', req([['_type', 'Patient, CarePlan'], ['_type', 'Patient,Goal']]), deps()).types).toEqual(['Patient', 'CarePlan', 'Goal']);
    expect(status(() => parseKickOff(system, 'system', req([['_type', 'Patient,Bogus']]), deps()))).toBe(400);
    const all = parseKickOff(system, 'system', req([]), deps()).types;
    expect(all).toContain('Claim');
    expect(all).not.toContain('StructureDefinition');
  });

  it('_since must be a full instant', () => {
    expect(parseKickOff(system, 'system', req([['_since', '2024-05-01T10:00:00.123+02:00']]), deps()).since).toBe('2024-05-01T10:00:00.123+02:00');
    for (const s of ['2024-05-01', '2024-05-01T10:00:00', 'yesterday']) expect(status(() => parseKickOff(system, 'system', req([['_since', s]]), deps()))).toBe(400);
  });

  it('_typeFilter is parsed by the search module: unknown parameters and result parameters are 400', () => {
    const spec = parseKickOff(system, 'system', req([['_typeFilter', 'CarePlan?category=rrwp&status=active']]), deps());
    expect(spec.typeFilters).toEqual({ CarePlan: ['category=rrwp&status=active'] });
    for (const f of ['CarePlan?bogus=1', 'CarePlan?_count=5', 'Bogus?x=1', 'CarePlan', 'CarePlan?date=notadate']) {
      expect([f, status(() => parseKickOff(system, 'system', req([['_typeFilter', f]]), deps()))]).toEqual([f, 400]);
    }
    expect(status(() => parseKickOff(system, 'system', req([['_type', 'Patient'], ['_typeFilter', 'CarePlan?status=active']]), deps()))).toBe(400);
  });

  it('unsupported parameters are 400, or ignored with a warning under Prefer: handling=lenient', () => {
    expect(status(() => parseKickOff(system, 'system', req([['_typeFilter', 'Patient?status=active']]), deps()))).toBe(400);
    expect(status(() => parseKickOff(system, 'system', req([['whatever', '1']]), deps()))).toBe(400);
    const lenient = parseKickOff(system, 'system', req([['_typeFilter', 'Patient?status=active'], ['_typeFilter', 'CarePlan?status=active'], ['whatever', '1']], { prefer: { respondAsync: true, handling: 'lenient' } }), deps());
    expect(lenient.warnings).toEqual([expect.stringMatching(/'whatever'/), expect.stringMatching(/_typeFilter.*Patient\?status=active/)]);
    // The supported filter still applies; the unsupported one is gone.
    expect(lenient.typeFilters).toEqual({ CarePlan: ['status=active'] });
  });

  it('a group export takes patient references from a POST body and only compartment types', () => {
    const body = { resourceType: 'Parameters', parameter: [{ name: 'patient', valueReference: { reference: 'Patient/a' } }, { name: '_type', valueString: 'CarePlan' }] };
    const spec = parseKickOff(group, 'group', req([], { method: 'POST', body, path: '/Group/g/$export' }), deps());
    expect(spec.patients).toEqual(['a']);
    expect(spec.types).toEqual(['CarePlan']);
    expect(status(() => parseKickOff(group, 'group', req([['_type', 'Practitioner']]), deps()))).toBe(400);
    // Types outside the compartment beside ones in it: the others are exported, with a warning.
    const mixed = parseKickOff(group, 'group', req([['_type', 'Practitioner'], ['_type', 'CarePlan']]), deps());
    expect(mixed.types).toEqual(['CarePlan']);
    expect(mixed.warnings).toEqual([expect.stringMatching(/Practitioner is not in the Patient compartment/)]);
    expect(parseKickOff(group, 'group', req([]), deps()).types).toEqual([...PATIENT_COMPARTMENT_TYPES]);
  });

  it('asks the access policy: named types must be allowed, and the default drops those that are not', () => {
    const access: AccessPolicy = {
      assertAllowed: (_auth, _i, type) => {
        if (type === 'Claim') throw forbidden('no claims');
      },
      assertResource: async () => undefined,
      searchFilter: () => [],
    };
    expect(status(() => parseKickOff(system, 'system', req([['_type', 'Claim']]), deps(access)))).toBe(403);
    expect(parseKickOff(system, 'system', req([]), deps(access)).types).not.toContain('Claim');
  });
});

describe('patient compartment', () => {
  it('reads patient references the way the spec writes them', () => {
    expect(patientIdOf('Patient/123')).toBe('123');
    expect(patientIdOf('http://x/fhir/Patient/abc/_history/2')).toBe('abc');
    expect(patientIdOf('Practitioner/1')).toBeUndefined();
  });

  it('selects CarePlans through their compartment parameters, Patients by id, and types outside it never', () => {
    const p = new SqlParams();
    expect(compartmentCondition('CarePlan', ['a'], p, 'r')).toContain('s.param = ANY');
    expect(p.values).toContainEqual(['patient', 'performer']);
    expect(compartmentCondition('Patient', ['a'], new SqlParams(), 'r')).toContain('r.id = ANY');
    expect(compartmentCondition('Practitioner', undefined, new SqlParams(), 'r')).toBe('false');
  });
});
