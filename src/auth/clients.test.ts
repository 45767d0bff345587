import { ConfigError } from '../config';
import { parseClients } from './clients';

const ecKey = { kty: 'EC', crv: 'P-384', kid: 'k1', x: 'x', y: 'y', alg: 'ES384' };
const valid = { clientId: 'ehr-1', jwks: { keys: [ecKey] }, scopes: ['system/*.rs'], role: 'ehr', organization: 'Organization/org-1' };

const problems = (json: unknown): string[] => {
  try {
    parseClients(json);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  return [];
};

describe('AUTH_CLIENTS_FILE validation', () => {
  it('accepts a well-formed client list', () => {
    expect(parseClients([valid, { ...valid, clientId: 'wh', role: 'warehouse', organization: undefined }])).toHaveLength(2);
  });

  it('names each problem with its place in the file', () => {
    expect(problems([{ ...valid, role: 'superuser' }]).join()).toMatch(/\[0\.role\]/);
    expect(problems([{ ...valid, organization: undefined }]).join()).toMatch(/\[0\.organization\].*Organization\/<id>/);
    expect(problems([{ ...valid, organization: 'org-1' }]).join()).toMatch(/\[0\.organization\]/);
    expect(problems([{ ...valid, scopes: ['patient/*.read'] }]).join()).toMatch(/\[0\.scopes\.0\].*SMART system scope/);
    expect(problems([valid, valid]).join()).toMatch(/duplicate clientId/);
    expect(problems([{ ...valid, jwks: { keys: [] } }]).join()).toMatch(/\[0\.jwks\.keys\]/);
    expect(problems([{ ...valid, jwks: { keys: [{ ...ecKey, crv: 'P-256' }] } }]).join()).toMatch(/P-384/);
    expect(problems([{ ...valid, jwks: { keys: [{ ...ecKey, d: 'secret' }] } }]).join()).toMatch(/public/);
    expect(problems([{ ...valid, jwks: { keys: [ecKey, ecKey] } }]).join()).toMatch(/duplicate kid/);
    expect(problems({ clients: [] }).join()).toMatch(/AUTH_CLIENTS_FILE/);
  });
});
