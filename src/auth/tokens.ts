/**
 * The SMART Backend Services token endpoint (client_credentials with a private_key_jwt assertion)
 * and verification of the access tokens it issues. Access tokens are JWTs signed by this server.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  SignJWT, createLocalJWKSet, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, jwtVerify,
  type CryptoKey, type JSONWebKeySet, type JWK, type JWTPayload,
} from 'jose';
import { ConfigError } from '../config';
import type { AuthContext } from '../fhir/types';
import type { RegisteredClient } from './clients';
import { isResourceType } from '../fhir/resource-types';
import { ScopeError, grantScopes } from './scopes';

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const ASSERTION_ALGS = ['RS384', 'ES384'] as const;
/** SMART: the assertion's exp is no more than five minutes in the future. */
const MAX_ASSERTION_LIFETIME = 300;
/** Clock skew allowed between client and server. */
const SKEW = 10;

/** An OAuth error response (RFC 6749 §5.2). */
export class OAuthError extends Error {
  constructor(readonly status: 400 | 401, readonly error: string, readonly description: string) {
    super(description);
  }
  body() {
    return { error: this.error, error_description: this.description };
  }
}

export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  scope: string;
}

export interface TokenServiceOptions {
  clients: RegisteredClient[];
  /** Absolute URL of the token endpoint (the assertion's required `aud`). */
  tokenUrl: string;
  /** `iss` of access tokens. */
  issuer: string;
  /** `aud` of access tokens: the FHIR base URL. */
  audience: string;
  ttlSeconds: number;
  signingKeyFile?: string;
  /** Refuse an assertion whose jti was already used (AUTH_ASSERTION_REPLAY=refuse). */
  refuseReplay?: boolean;
  now?: () => number;
}

interface ServerKey {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  alg: 'ES384' | 'RS384';
  kid: string;
}

async function serverKey(file?: string): Promise<ServerKey> {
  if (!file) {
    const { privateKey, publicKey } = await generateKeyPair('ES384');
    return { privateKey, publicKey, alg: 'ES384', kid: randomUUID() };
  }
  let jwk: JWK;
  try {
    jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  } catch (e) {
    throw new ConfigError([`AUTH_SIGNING_KEY_FILE: cannot read a JSON JWK from ${file} (${(e as Error).message})`]);
  }
  if ((jwk.alg !== 'ES384' && jwk.alg !== 'RS384') || !jwk.d || !jwk.kid) {
    throw new ConfigError(['AUTH_SIGNING_KEY_FILE: the key must be a private JWK with alg ES384 or RS384 and a kid']);
  }
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
  return {
    privateKey: (await importJWK(jwk, jwk.alg)) as CryptoKey,
    publicKey: (await importJWK(pub, jwk.alg)) as CryptoKey,
    alg: jwk.alg as ServerKey['alg'],
    kid: jwk.kid,
  };
}

export class TokenService {
  private readonly clients: Map<string, { client: RegisteredClient; keys: ReturnType<typeof createLocalJWKSet> }>;
  /** Assertion ids already used, until their exp (seconds): a replayed assertion is refused. */
  private readonly seen = new Map<string, number>();
  private readonly now: () => number;
  /** Verified access tokens until their exp: a signature check costs more than the rest of a read. */
  private readonly verified = new Map<string, { auth: AuthContext; exp: number }>();

  private constructor(private readonly options: TokenServiceOptions, private readonly key: ServerKey) {
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
    this.clients = new Map(options.clients.map((c) => [c.clientId, { client: c, keys: createLocalJWKSet(c.jwks as JSONWebKeySet) }]));
  }

  static async create(options: TokenServiceOptions): Promise<TokenService> {
    return new TokenService(options, await serverKey(options.signingKeyFile));
  }

  get tokenUrl() {
    return this.options.tokenUrl;
  }

  /** The public key access tokens are signed with (served as a JWKS). */
  async publicJwks(): Promise<{ keys: JWK[] }> {
    return { keys: [{ ...(await exportJWK(this.key.publicKey)), kid: this.key.kid, alg: this.key.alg, use: 'sig' }] };
  }

  /** POST /auth/token with its form fields. Throws OAuthError. */
  async issue(form: URLSearchParams): Promise<TokenResponse> {
    const grantType = form.get('grant_type');
    if (!grantType) throw new OAuthError(400, 'invalid_request', 'grant_type is required');
    if (grantType !== 'client_credentials') throw new OAuthError(400, 'unsupported_grant_type', `grant_type '${grantType}' is not supported; use client_credentials`);
    const assertionType = form.get('client_assertion_type');
    const assertion = form.get('client_assertion');
    if (assertionType !== ASSERTION_TYPE) throw new OAuthError(400, 'invalid_request', `client_assertion_type must be ${ASSERTION_TYPE}`);
    if (!assertion) throw new OAuthError(400, 'invalid_request', 'client_assertion is required');
    const scope = form.get('scope') ?? '';

    const client = await this.authenticateClient(assertion, form.get('client_id'));
    let granted: string[];
    try {
      granted = grantScopes(scope, client.scopes, isResourceType);
    } catch (e) {
      if (e instanceof ScopeError) throw new OAuthError(400, 'invalid_scope', `${e.message} (client '${client.clientId}')`);
      throw e;
    }

    const iat = this.now();
    const ttl = this.options.ttlSeconds;
    const accessToken = await new SignJWT({
      client_id: client.clientId,
      role: client.role,
      ...(client.organization ? { organization: client.organization } : {}),
      scope: granted.join(' '),
    })
      .setProtectedHeader({ alg: this.key.alg, kid: this.key.kid, typ: 'at+jwt' })
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setSubject(client.clientId)
      .setJti(randomUUID())
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttl)
      .sign(this.key.privateKey);
    return { access_token: accessToken, token_type: 'bearer', expires_in: ttl, scope: granted.join(' ') };
  }

  private async authenticateClient(assertion: string, clientIdField: string | null): Promise<RegisteredClient> {
    const fail = (why: string) => new OAuthError(401, 'invalid_client', why);
    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: JWTPayload;
    try {
      header = decodeProtectedHeader(assertion);
      claims = decodeJwt(assertion);
    } catch {
      throw fail('client_assertion is not a JWT');
    }
    if (!header.alg || !(ASSERTION_ALGS as readonly string[]).includes(header.alg)) throw fail(`client_assertion must be signed with RS384 or ES384, not ${header.alg ?? 'nothing'}`);
    if (!header.kid) throw fail('client_assertion header has no kid');
    const clientId = typeof claims.iss === 'string' ? claims.iss : undefined;
    const entry = clientId ? this.clients.get(clientId) : undefined;
    if (!clientId || !entry) throw fail('client_assertion iss does not name a registered client');
    if (clientIdField && clientIdField !== clientId) throw fail('client_id does not match the assertion iss');
    // Keys come from the client's registration only; a jku names a key set nobody registered here.
    if (header.jku !== undefined) throw fail(`client_assertion header jku '${String(header.jku)}' is not registered for client '${clientId}' (this server takes keys from the registration's jwks only)`);

    const now = this.now();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(assertion, entry.keys, {
        algorithms: [...ASSERTION_ALGS],
        issuer: clientId,
        subject: clientId,
        audience: this.options.tokenUrl,
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'jti'],
        clockTolerance: SKEW,
        currentDate: new Date(now * 1000),
      }));
    } catch (e) {
      const code = (e as { code?: string }).code;
      const why: Record<string, string> = {
        ERR_JWKS_NO_MATCHING_KEY: `no key with kid '${header.kid}' is registered for client '${clientId}'`,
        ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'the client_assertion signature does not verify',
        ERR_JWT_EXPIRED: 'the client_assertion has expired',
      };
      const claim = (e as { claim?: string }).claim;
      throw fail(why[code ?? ''] ?? (claim ? `client_assertion claim '${claim}' is not acceptable (${(e as Error).message})` : `client_assertion rejected (${(e as Error).message})`));
    }
    const exp = payload.exp!;
    if (exp > now + MAX_ASSERTION_LIFETIME + SKEW) throw fail('client_assertion exp is more than five minutes in the future');
    if (!this.options.refuseReplay) return entry.client;
    const jti = `${clientId}\u0000${payload.jti}`;
    this.pruneReplayCache(now);
    if (this.seen.has(jti)) throw fail('client_assertion jti was already used (replay)');
    this.seen.set(jti, exp + SKEW);
    return entry.client;
  }

  private pruneReplayCache(now: number) {
    // Entries are inserted with exp at most ~5 minutes ahead, so the map stays small; sweep when it grows.
    if (this.seen.size < 1024) return;
    for (const [k, exp] of this.seen) if (exp < now) this.seen.delete(k);
  }

  /** The bearer token of a FHIR request: verified, not expired, issued by this server. */
  async verifyAccessToken(token: string): Promise<AuthContext> {
    const now = this.now();
    const hit = this.verified.get(token);
    if (hit && hit.exp > now) return hit.auth;
    if (this.verified.size >= 10_000) {
      for (const [k, v] of this.verified) if (v.exp <= now) this.verified.delete(k);
      if (this.verified.size >= 10_000) this.verified.clear();
    }
    const auth = await this.verifyUncached(token);
    this.verified.set(token, { auth, exp: this.expOf(token) });
    return auth;
  }

  private expOf(token: string): number {
    return decodeJwt(token).exp ?? 0;
  }

  private async verifyUncached(token: string): Promise<AuthContext> {
    const { payload } = await jwtVerify(token, this.key.publicKey, {
      algorithms: [this.key.alg],
      issuer: this.options.issuer,
      audience: this.options.audience,
      typ: 'at+jwt',
      requiredClaims: ['exp', 'sub'],
      currentDate: new Date(this.now() * 1000),
    });
    const role = payload.role as AuthContext['role'];
    if (!['ehr', 'payer', 'warehouse', 'admin'].includes(role) || typeof payload.scope !== 'string') throw new Error('token claims are incomplete');
    return {
      clientId: String(payload.client_id ?? payload.sub),
      role,
      ...(typeof payload.organization === 'string' ? { organization: payload.organization } : {}),
      scopes: payload.scope.split(' ').filter(Boolean),
    };
  }
}
