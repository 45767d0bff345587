/**
 * SMART Backend Services for this server: the registered clients, the token endpoint, bearer token
 * checks on FHIR requests, the discovery document, and the access policy.
 */
import { authEnabled, baseUrlOf, type Config } from '../config';
import type { AuthContext } from '../fhir/types';
import { OutcomeError, issue } from '../outcomes';
import { loadClients } from './clients';
import { TenancyPolicy } from './policy';
import { ASSERTION_ALGS, OAuthError, TokenService } from './tokens';

export { OAuthError, TenancyPolicy };

export interface Auth {
  tokens: TokenService;
  policy: TenancyPolicy;
  smartConfiguration(): Record<string, unknown>;
  /** The AuthContext of a FHIR request's Authorization header; throws a 401 OperationOutcome. */
  authenticate(authorization: string | undefined): Promise<AuthContext>;
}

/** The server root (the FHIR base without its `/fhir`), where /auth/token lives. */
export const serverRoot = (baseUrl: string) => baseUrl.replace(/\/fhir$/, '');

export async function createAuth(config: Config): Promise<Auth | undefined> {
  if (!authEnabled(config)) return undefined;
  const baseUrl = baseUrlOf(config);
  const root = serverRoot(baseUrl);
  const tokenUrl = `${root}/auth/token`;
  const issuer = config.AUTH_ISSUER ?? root;
  const tokens = await TokenService.create({
    clients: loadClients(config.AUTH_CLIENTS_FILE!),
    tokenUrl,
    issuer,
    audience: baseUrl,
    ttlSeconds: config.AUTH_TOKEN_TTL_SECONDS,
    signingKeyFile: config.AUTH_SIGNING_KEY_FILE,
    refuseReplay: config.AUTH_ASSERTION_REPLAY === 'refuse',
  });
  const realm = `realm="${baseUrl}"`;
  const challenge = (status: 401, text: string, error?: string) =>
    new OutcomeError(status, [issue('error', 'login', text)], {
      'WWW-Authenticate': error ? `Bearer ${realm}, error="${error}", error_description="${text.replace(/"/g, "'")}"` : `Bearer ${realm}`,
    });
  return {
    tokens,
    policy: new TenancyPolicy(),
    smartConfiguration: () => ({
      issuer,
      jwks_uri: `${root}/auth/jwks`,
      token_endpoint: tokenUrl,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGS],
      scopes_supported: ['system/*.cruds', 'system/*.rs', 'system/*.read', 'system/*.write', 'system/*.*'],
      response_types_supported: ['token'],
      capabilities: ['client-confidential-asymmetric', 'permission-v2', 'permission-v1'],
    }),
    async authenticate(authorization) {
      if (!authorization) throw challenge(401, `This server requires a SMART Backend Services access token (Authorization: Bearer); get one at ${tokenUrl}`);
      const m = /^Bearer\s+([A-Za-z0-9\-_.~+/]+=*)\s*$/i.exec(authorization);
      if (!m) throw challenge(401, 'The Authorization header must be: Bearer <access token>', 'invalid_request');
      try {
        return await tokens.verifyAccessToken(m[1]);
      } catch (e) {
        const expired = (e as { code?: string }).code === 'ERR_JWT_EXPIRED';
        throw challenge(401, expired ? 'The access token has expired; get a new one' : 'The access token is not valid for this server', 'invalid_token');
      }
    },
  };
}
