/**
 * SMART Backend Services: discovery, the client_credentials token flow with real signed client
 * assertions (ES384 and RS384), every way an assertion is refused, bearer tokens and scopes.
 */
import { SignJWT, decodeJwt, generateKeyPair } from 'jose';
import { createAuth } from '../src/auth';
import { TokenService } from '../src/auth/tokens';
import { loadConfig, ConfigError } from '../src/config';
import { makeClientKey, signAssertion, tokenForm, writeClientsFile, type ClientKey } from '../src/auth/testing';
import { startTestApp, FHIR_JSON, type TestApp } from './support/server';

const FORM = 'application/x-www-form-urlencoded';
const TOKEN_URL = 'http://127.0.0.1:8080/auth/token';

let t: TestApp;
let ec: ClientKey;
let rsa: ClientKey;
let clientsFile: string;

beforeAll(async () => {
  ec = await makeClientKey('ES384', 'ec-1');
  rsa = await makeClientKey('RS384', 'rsa-1');
  clientsFile = writeClientsFile([
    { clientId: 'ehr-ec', jwks: { keys: [ec.publicJwk] }, scopes: ['system/*.cruds'], role: 'admin' },
    { clientId: 'warehouse-rsa', jwks: { keys: [rsa.publicJwk] }, scopes: ['system/CarePlan.rs', 'system/Patient.read'], role: 'warehouse' },
  ]);
  t = await startTestApp({ AUTH: 'on', AUTH_CLIENTS_FILE: clientsFile, AUTH_TOKEN_TTL_SECONDS: '120' });
});
afterAll(async () => {
  await t.app.close();
  await t.close();
});

const post = (form: string, type = FORM) => t.http().post('/auth/token').set('Content-Type', type).send(form);
const assertionFor = (o: Partial<Parameters<typeof signAssertion>[0]> = {}) => signAssertion({ clientId: 'ehr-ec', tokenUrl: TOKEN_URL, key: ec, ...o });

async function token(clientId: string, key: ClientKey, scope: string): Promise<string> {
  const res = await post(tokenForm(await signAssertion({ clientId, tokenUrl: TOKEN_URL, key }), scope));
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}

describe('discovery', () => {
  it('publishes the SMART configuration at [base]/.well-known/smart-configuration without a token', async () => {
    const res = await t.http().get('/fhir/.well-known/smart-configuration');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      token_endpoint: TOKEN_URL,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
      capabilities: expect.arrayContaining(['client-confidential-asymmetric', 'permission-v2', 'permission-v1']),
    });
    expect(res.body.scopes_supported).toContain('system/*.rs');
  });

  it('keeps the CapabilityStatement public, and it advertises SMART with the token endpoint', async () => {
    const res = await t.http().get('/fhir/metadata');
    expect(res.status).toBe(200);
    const security = res.body.rest[0].security;
    expect(security.service[0].coding[0].code).toBe('SMART-on-FHIR');
    expect(security.extension[0].extension).toContainEqual({ url: 'token', valueUri: TOKEN_URL });
  });
});

describe('token endpoint', () => {
  it.each([['ES384', 'ehr-ec'], ['RS384', 'warehouse-rsa']] as const)('issues a short-lived bearer token for a %s-signed assertion', async (alg, clientId) => {
    const key = alg === 'ES384' ? ec : rsa;
    const res = await post(tokenForm(await signAssertion({ clientId, tokenUrl: TOKEN_URL, key }), 'system/Patient.rs'));
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ token_type: 'bearer', expires_in: 120, scope: 'system/Patient.rs' });
    const claims = decodeJwt(res.body.access_token);
    expect(claims).toMatchObject({ sub: clientId, client_id: clientId, scope: 'system/Patient.rs' });
    expect(claims.exp! - claims.iat!).toBe(120);
    const api = await t.http().get('/fhir/Patient').set('Authorization', `Bearer ${res.body.access_token}`);
    expect(api.status).toBe(200);
  });

  it('grants the intersection of requested and registered scopes, each in the form it was asked', async () => {
    const res = await post(tokenForm(await signAssertion({ clientId: 'warehouse-rsa', tokenUrl: TOKEN_URL, key: rsa }), 'system/*.read system/Claim.rs'));
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('system/CarePlan.read system/Patient.read');
  });

  it('grants system/*.read as system/*.read, and mixed v1 and v2 scopes each as asked', async () => {
    const star = await post(tokenForm(await assertionFor(), 'system/*.read'));
    expect(star.status).toBe(200);
    expect(star.body.scope).toBe('system/*.read');
    expect(decodeJwt(star.body.access_token).scope).toBe('system/*.read');
    // The token works as the v2 equivalent: read and search.
    expect((await t.http().get('/fhir/Patient').set('Authorization', `Bearer ${star.body.access_token}`)).status).toBe(200);
    const mixed = await post(tokenForm(await assertionFor(), 'system/Patient.read system/Observation.rs'));
    expect(mixed.body.scope).toBe('system/Patient.read system/Observation.rs');
  });

  it.each([
    ['an empty scope', ''],
    ['a scope naming an unknown resource type (v1)', 'system/UnknownResource.read'],
    ['a scope naming an unknown resource type (v2)', 'system/UnknownResource.r'],
    ['an unknown action', 'system/Patient.unknownAction'],
    ['non-system scopes only', 'launch fhirUser'],
    ['a granular scope', 'system/Patient.rs?a=b'],
  ])('refuses %s with 400 invalid_scope', async (_name, scope) => {
    const res = await post(tokenForm(await assertionFor(), scope));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_scope');
  });

  it.each(['system/Patient.write', 'system/Patient.c', 'system/Patient.cu', 'system/Patient.cud', 'system/Patient.ud', 'system/Patient.d'])(
    'refuses the mutation-only scope %s of a read-only client with invalid_scope', async (scope) => {
      const res = await post(tokenForm(await signAssertion({ clientId: 'warehouse-rsa', tokenUrl: TOKEN_URL, key: rsa }), scope));
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_scope');
    },
  );

  it('refuses an assertion whose jku header is not registered for the client', async () => {
    const res = await post(tokenForm(await assertionFor({ header: { jku: 'test-bad-jku' } }), 'system/*.rs'));
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'invalid_client', error_description: expect.stringMatching(/jku/) });
  });

  it('refuses a request for scopes none of which is registered with invalid_scope', async () => {
    const res = await post(tokenForm(await signAssertion({ clientId: 'warehouse-rsa', tokenUrl: TOKEN_URL, key: rsa }), 'system/Claim.cud'));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_scope');
  });

  it('by default (AUTH_ASSERTION_REPLAY=allow) takes one assertion for several token requests within its lifetime, as the SMART test kit sends', async () => {
    const assertion = await assertionFor({ jti: 'several-requests' });
    expect((await post(tokenForm(assertion, 'system/*.rs'))).status).toBe(200);
    expect((await post(tokenForm(assertion, 'system/Patient.rs'))).status).toBe(200);
  });

  it('with AUTH_ASSERTION_REPLAY=refuse refuses a replayed assertion (same jti)', async () => {
    const service = await TokenService.create({
      clients: [{ clientId: 'ehr-ec', jwks: { keys: [ec.publicJwk as never] }, scopes: ['system/*.cruds'], role: 'admin' }],
      tokenUrl: TOKEN_URL, issuer: 'http://127.0.0.1:8080', audience: 'http://127.0.0.1:8080/fhir', ttlSeconds: 60,
      refuseReplay: loadConfig({ AUTH_ASSERTION_REPLAY: 'refuse' }).AUTH_ASSERTION_REPLAY === 'refuse',
    });
    const assertion = await assertionFor({ jti: 'once-only' });
    await expect(service.issue(new URLSearchParams(tokenForm(assertion, 'system/*.rs')))).resolves.toMatchObject({ scope: 'system/*.rs' });
    await expect(service.issue(new URLSearchParams(tokenForm(assertion, 'system/*.rs')))).rejects.toMatchObject({ error: 'invalid_client', description: expect.stringMatching(/replay/) });
  });

  const refusals: [string, () => Promise<string>, RegExp][] = [
    ['an expired assertion', () => assertionFor({ expiresIn: -60 }), /expired|exp/],
    ['an assertion whose exp is more than five minutes ahead', () => assertionFor({ expiresIn: 600 }), /five minutes/],
    ['an assertion for another audience', () => assertionFor({ aud: 'http://127.0.0.1:8080/fhir' }), /aud/],
    ['an assertion naming an unknown kid', () => assertionFor({ kid: 'no-such-key' }), /no key with kid/],
    ['an assertion signed by a key that is not registered', async () => signAssertion({ clientId: 'ehr-ec', tokenUrl: TOKEN_URL, key: { ...(await makeClientKey('ES384')), kid: 'ec-1' } }), /signature/],
    ['an assertion from an unknown client', () => assertionFor({ iss: 'stranger', clientId: 'stranger' }), /registered client/],
    ['an assertion whose sub is not its iss', () => assertionFor({ iss: 'warehouse-rsa' }), /sub|signature|kid/],
    ['an assertion signed with RS256', async () => {
      const now = Math.floor(Date.now() / 1000);
      const { privateKey } = await generateKeyPair('RS256');
      return new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' }).setIssuer('warehouse-rsa').setSubject('warehouse-rsa').setAudience(TOKEN_URL).setExpirationTime(now + 60).setJti('x').sign(privateKey);
    }, /RS384 or ES384/],
    ['a string that is not a JWT', async () => 'not-a-jwt', /not a JWT/],
  ];
  it.each(refusals)('refuses %s with 401 invalid_client', async (_name, make, why) => {
    const res = await post(tokenForm(await make(), 'system/*.rs'));
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    expect(res.body.error_description).toMatch(why);
  });

  it('answers malformed requests with OAuth errors', async () => {
    const assertion = await assertionFor();
    const noGrant = await post(new URLSearchParams({ client_assertion: assertion, scope: 'system/*.rs' }).toString());
    expect(noGrant.status).toBe(400);
    expect(noGrant.body.error).toBe('invalid_request');
    const wrongGrant = await post(tokenForm(assertion, 'system/*.rs').replace('client_credentials', 'authorization_code'));
    expect(wrongGrant.body.error).toBe('unsupported_grant_type');
    const json = await post(JSON.stringify({ grant_type: 'client_credentials' }), 'application/json');
    expect(json.status).toBe(400);
    expect(json.body.error).toBe('invalid_request');
    const wrongType = await post(tokenForm(assertion, 'system/*.rs').replace('jwt-bearer', 'saml2-bearer'));
    expect(wrongType.body.error).toBe('invalid_request');
  });
});

describe('bearer tokens on the FHIR API', () => {
  it('answers a request without a token with 401, WWW-Authenticate and an OperationOutcome', async () => {
    const res = await t.http().get('/fhir/Patient');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm=/);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('answers a forged or garbled token with 401 invalid_token', async () => {
    for (const bad of ['Bearer abc.def.ghi', 'Basic dXNlcjpwYXNz', `Bearer ${await assertionFor()}`]) {
      const res = await t.http().get('/fhir/Patient').set('Authorization', bad);
      expect(res.status).toBe(401);
      expect(res.body.resourceType).toBe('OperationOutcome');
    }
    const forged = await t.http().get('/fhir/Patient').set('Authorization', 'Bearer abc.def.ghi');
    expect(forged.headers['www-authenticate']).toMatch(/error="invalid_token"/);
  });

  it('enforces scopes: 403 with an OperationOutcome outside them', async () => {
    const tok = await token('warehouse-rsa', rsa, 'system/Patient.rs');
    const auth = { Authorization: `Bearer ${tok}` };
    expect((await t.http().get('/fhir/Patient').set(auth)).status).toBe(200);
    const other = await t.http().get('/fhir/CarePlan').set(auth);
    expect(other.status).toBe(403);
    expect(other.body.resourceType).toBe('OperationOutcome');
    expect(other.body.issue[0].code).toBe('forbidden');
    const write = await t.http().post('/fhir/Patient').set(auth).set('Content-Type', FHIR_JSON).send({ resourceType: 'Patient' });
    expect(write.status).toBe(403);
  });

  it('a read-only scope stops writes in a batch entry by entry, and a transaction as a whole', async () => {
    const tok = await token('ehr-ec', ec, 'system/*.rs');
    const auth = { Authorization: `Bearer ${tok}` };
    const entry = { resource: { resourceType: 'Patient', gender: 'female' }, request: { method: 'POST', url: 'Patient' } };
    const batch = await t.http().post('/fhir').set(auth).set('Content-Type', FHIR_JSON).send({ resourceType: 'Bundle', type: 'batch', entry: [entry, { request: { method: 'GET', url: 'Patient?_count=1' } }] });
    expect(batch.status).toBe(200);
    expect(batch.body.entry[0].response.status).toMatch(/^403/);
    expect(batch.body.entry[1].response.status).toMatch(/^200/);
    const tx = await t.http().post('/fhir').set(auth).set('Content-Type', FHIR_JSON).send({ resourceType: 'Bundle', type: 'transaction', entry: [entry] });
    expect(tx.status).toBe(403);
  });
});

describe('startup settings', () => {
  it('refuses AUTH=off on a non-loopback HOST, naming AUTH', () => {
    expect(() => loadConfig({ HOST: '0.0.0.0', AUTH: 'off' })).toThrow(/AUTH=off is allowed only on a loopback HOST/);
  });

  it('refuses a non-loopback HOST without a clients file, naming AUTH and AUTH_CLIENTS_FILE', () => {
    let error: unknown;
    try {
      loadConfig({ HOST: '10.0.0.5' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/AUTH_CLIENTS_FILE/);
    expect((error as Error).message).toMatch(/AUTH is on/);
  });

  it('allows AUTH=off on loopback hosts, and AUTH=on anywhere with a clients file', () => {
    for (const HOST of ['127.0.0.1', '::1', 'localhost']) expect(() => loadConfig({ HOST, AUTH: 'off' })).not.toThrow();
    expect(loadConfig({ HOST: '0.0.0.0', AUTH_CLIENTS_FILE: clientsFile }).HOST).toBe('0.0.0.0');
  });

  it('refuses to start with a clients file that does not validate, naming the problem', async () => {
    const bad = writeClientsFile([{ clientId: 'x', jwks: { keys: [ec.publicJwk] }, scopes: ['system/*.rs'], role: 'ehr' } as never]);
    // createApp calls createAuth before it opens anything.
    await expect(createAuth(loadConfig({ AUTH: 'on', AUTH_CLIENTS_FILE: bad }))).rejects.toThrow(/AUTH_CLIENTS_FILE.*\[0\.organization\].*Organization\/<id>/);
    await expect(createAuth(loadConfig({ AUTH: 'on', AUTH_CLIENTS_FILE: '/nonexistent/clients.json' }))).rejects.toThrow(/AUTH_CLIENTS_FILE: cannot read/);
  });
});
