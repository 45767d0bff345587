/**
 * The reference validator's Bundle rules (bundle-rules.ts) through the profile validator: fullUrls,
 * duplicates, searchset links and search modes, and references inside documents, messages and
 * transactions.
 */
import type { OperationOutcomeIssue } from 'fhir/r4';
import { createProfileValidator } from './profile-validator';

const validator = createProfileValidator();
const found = (r: unknown) => validator.validate(r).filter((i: OperationOutcomeIssue) => i.severity === 'error' || i.severity === 'warning')
  .map((i) => `${i.severity} ${i.expression?.[0]}`);
const U1 = 'urn:uuid:c757873d-ec9a-4326-a141-556f43239520';
const U2 = 'urn:uuid:9d1b0c5e-2f0a-4c43-9b1e-1f2d3c4b5a69';
const patient = (id?: string) => ({ resourceType: 'Patient', ...(id ? { id } : {}) });
const obs = (subject: string) => ({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: subject } });

describe('Bundle rules', () => {
  it('fullUrl: absolute, and a RESTful one names the entry resource type and id', () => {
    const b = (fullUrl: string, r: unknown) => ({ resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl, resource: r }] });
    expect(found(b('http://example.org/fhir/Patient/p1', patient('p1')))).toEqual([]);
    expect(found(b(U1, patient('p1')))).toEqual([]);
    expect(found(b('Patient/p1', patient('p1')))).toEqual(['error Bundle.entry[0].fullUrl']);
    expect(found(b('http://example.org/fhir/Patient/p2', patient('p1')))).toEqual(['error Bundle.entry[0].fullUrl']);
    expect(found(b('http://example.org/fhir/Practitioner/p1', patient('p1')))).toEqual(['error Bundle.entry[0].fullUrl']);
  });

  it('two entries with one fullUrl are duplicates, unless they are versions (history, or distinct versionIds)', () => {
    const entry = (v?: string) => ({ fullUrl: 'http://example.org/fhir/Patient/p1', resource: { ...patient('p1'), ...(v ? { meta: { versionId: v } } : {}) } });
    expect(found({ resourceType: 'Bundle', type: 'collection', entry: [entry(), entry()] })).toEqual(['error Bundle.entry[1].fullUrl']);
    expect(found({ resourceType: 'Bundle', type: 'collection', entry: [entry('1'), entry('2')] })).toEqual([]);
    expect(found({ resourceType: 'Bundle', type: 'history', entry: [
      { ...entry(), request: { method: 'PUT', url: 'Patient/p1' }, response: { status: '200' } },
      { ...entry(), request: { method: 'PUT', url: 'Patient/p1' }, response: { status: '200' } },
    ] })).toEqual([]);
  });

  it('searchset: each link relation once; search.mode outcome only for an OperationOutcome', () => {
    const link = [{ relation: 'self', url: 'http://example.org/fhir/Patient' }, { relation: 'next', url: 'http://example.org/fhir/Patient?page=2' }];
    const base = { resourceType: 'Bundle', type: 'searchset', link };
    expect(found({ ...base, link: [...link, { relation: 'next', url: 'http://example.org/fhir/Patient?page=3' }] })).toEqual(['error Bundle.link[2]']);
    const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational' }] };
    expect(found({ ...base, entry: [{ fullUrl: U1, resource: outcome, search: { mode: 'outcome' } }] })).toEqual([]);
    expect(found({ ...base, entry: [{ fullUrl: 'http://example.org/fhir/Patient/p1', resource: patient('p1'), search: { mode: 'outcome' } }] }))
      .toEqual(['error Bundle.entry[0].search.mode']);
  });

  it('document: references in the entries resolve to an entry, relative ones against the entry base', () => {
    const doc = (subject: string) => ({ resourceType: 'Bundle', type: 'document', identifier: { system: 'urn:ietf:rfc:3986', value: U2 }, timestamp: '2026-01-01T00:00:00Z', entry: [
      { fullUrl: 'http://example.org/fhir/Composition/c1', resource: { resourceType: 'Composition', id: 'c1', status: 'final', type: { text: 'x' }, date: '2026-01-01', author: [{ display: 'A' }], title: 'T', subject: { reference: subject } } },
      { fullUrl: 'http://example.org/fhir/Patient/p1', resource: patient('p1') },
    ] });
    expect(found(doc('Patient/p1'))).toEqual([]);
    expect(found(doc('http://example.org/fhir/Patient/p1'))).toEqual([]);
    expect(found(doc('Patient/p2'))).toEqual(['error Bundle.entry[0].resource.subject']);
  });

  it('transaction: a urn: reference must name an entry; a relative one may be on the server', () => {
    const tx = (subject: string) => ({ resourceType: 'Bundle', type: 'transaction', entry: [
      { fullUrl: U1, resource: patient(), request: { method: 'POST', url: 'Patient' } },
      { fullUrl: U2, resource: obs(subject), request: { method: 'POST', url: 'Observation' } },
    ] });
    expect(found(tx(U1))).toEqual([]);
    expect(found(tx('Patient/on-the-server'))).toEqual([]);
    expect(found(tx('urn:uuid:00000000-0000-4000-8000-000000000000'))).toEqual(['error Bundle.entry[1].resource.subject']);
  });

  it('a reference that matches several entries is ambiguous', () => {
    const coll = { resourceType: 'Bundle', type: 'document', identifier: { system: 'urn:ietf:rfc:3986', value: U2 }, timestamp: '2026-01-01T00:00:00Z', entry: [
      { fullUrl: U1, resource: { resourceType: 'Composition', status: 'final', type: { text: 'x' }, date: '2026-01-01', author: [{ display: 'A' }], title: 'T', subject: { reference: 'Patient/p1' } } },
      { fullUrl: 'http://a.example.org/fhir/Patient/p1', resource: patient('p1') },
      { fullUrl: 'http://b.example.org/fhir/Patient/p1', resource: { ...patient('p1'), gender: 'male' } },
    ] };
    expect(found(coll)).toEqual(['error Bundle.entry[0].resource.subject']);
  });
});
