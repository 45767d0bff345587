/** Test helpers: client keys, signed client assertions, a clients file and tokens, made with jose as a real client would. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import type { RegisteredClient } from './clients';
import { ASSERTION_TYPE } from './tokens';

export interface ClientKey {
  alg: 'ES384' | 'RS384';
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function makeClientKey(alg: 'ES384' | 'RS384' = 'ES384', kid: string = randomUUID()): Promise<ClientKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'RS384' ? { modulusLength: 2048 } : {});
  return { alg, kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg } };
}

export interface AssertionOptions {
  clientId: string;
  tokenUrl: string;
  key: ClientKey;
  /** Seconds from now; default 240. */
  expiresIn?: number;
  jti?: string;
  aud?: string;
  iss?: string;
  kid?: string;
  /** Extra protected header parameters (e.g. jku). */
  header?: Record<string, unknown>;
}

export function signAssertion(o: AssertionOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ ...o.header, alg: o.key.alg, kid: o.kid ?? o.key.kid, typ: 'JWT' })
    .setIssuer(o.iss ?? o.clientId)
    .setSubject(o.clientId)
    .setAudience(o.aud ?? o.tokenUrl)
    .setIssuedAt(now)
    .setExpirationTime(now + (o.expiresIn ?? 240))
    .setJti(o.jti ?? randomUUID())
    .sign(o.key.privateKey);
}

export function tokenForm(assertion: string, scope: string): string {
  return new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, scope }).toString();
}

/** A clients file in a fresh temporary directory; returns its path. */
export function writeClientsFile(clients: (Omit<RegisteredClient, 'jwks'> & { jwks: { keys: JWK[] } })[]): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'prss-clients-')), 'clients.json');
  writeFileSync(file, JSON.stringify(clients, null, 2));
  return file;
}
