import { auditEvent, classify } from './event';

const base = { method: 'GET', path: '/Patient', parameterNames: [], status: 200, requestId: 'r1', recorded: '2026-03-10T10:00:00.000Z' };

describe('audit event content', () => {
  it.each([
    ['GET', '/Patient/1', 'read', 'R'], ['GET', '/Patient/1/_history/2', 'vread', 'R'], ['GET', '/Patient', 'search-type', 'E'],
    ['POST', '/Patient/_search', 'search-type', 'E'], ['POST', '/Patient', 'create', 'C'], ['PUT', '/Patient/1', 'update', 'U'],
    ['PATCH', '/Patient/1', 'patch', 'U'], ['DELETE', '/Patient/1', 'delete', 'D'], ['POST', '/Claim/$validate', 'operation', 'E'],
    ['GET', '/$export', 'operation', 'E'], ['GET', '/_history', 'history-system', 'R'], ['GET', '/Patient/1/_history', 'history-instance', 'R'],
  ])('%s %s is %s (%s)', (method, path, interaction, action) => {
    expect(classify(method, path)).toMatchObject({ interaction, action });
  });

  it('does not record the CapabilityStatement or discovery', () => {
    expect(auditEvent({ ...base, path: '/metadata' })).toBeUndefined();
  });

  it('keeps parameter names once each, never values, and names the client', () => {
    const e = auditEvent({ ...base, clientId: 'ehr-1', parameterNames: ['name', 'birthdate', 'name', '_format'] })!;
    expect(e.entity).toEqual([expect.objectContaining({ name: 'Patient', detail: [{ type: 'parameters', valueString: 'name,birthdate' }] })]);
    expect(e.agent[0]).toMatchObject({ altId: 'ehr-1', name: 'ehr-1', requestor: true });
  });

  it('records writes by the id the server assigned, and the outcome class of the status', () => {
    const e = auditEvent({ ...base, method: 'POST', status: 201, touched: ['Patient/abc'] })!;
    expect(e.entity!.map((x) => x.name)).toEqual(['Patient/abc']);
    expect(e.outcome).toBe('0');
    expect(auditEvent({ ...base, status: 403 })!.outcome).toBe('4');
    expect(auditEvent({ ...base, status: 500 })!.outcome).toBe('8');
    expect(auditEvent({ ...base })!.agent[0].altId).toBe('anonymous');
  });

  it('never carries literal references (audit records must not join members\' records)', () => {
    const e = auditEvent({ ...base, path: '/Patient/1', touched: ['Patient/1'] })!;
    expect(JSON.stringify(e)).not.toMatch(/"reference"/);
  });
});
