/**
 * SMART Backend Services from the command line.
 *
 *   npm run token -- --generate [--alg ES384|RS384] [--kid <id>] --out <key.json>
 *       Make a key pair: writes the private JWK to --out and prints the public JWKS to register
 *       (the `jwks` of the client in AUTH_CLIENTS_FILE).
 *
 *   npm run token -- --client <id> --key <key.json> [--url http://127.0.0.1:8080/fhir] [--scope "system/*.rs"] [--json]
 *       Sign a client assertion with the private key, exchange it at the server's token endpoint
 *       (found through /.well-known/smart-configuration) and print the access token.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SignJWT, exportJWK, generateKeyPair, importJWK, importPKCS8, type JWK } from 'jose';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

async function generate(alg: string, kid: string, out: string) {
  if (alg !== 'ES384' && alg !== 'RS384') fail('--alg must be ES384 or RS384');
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS384' ? { modulusLength: 3072 } : {}) });
  const priv = { ...(await exportJWK(privateKey)), kid, alg };
  const pub = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  writeFileSync(out, `${JSON.stringify(priv, null, 2)}\n`, { mode: 0o600 });
  process.stderr.write(`private key written to ${out} (keep it secret); register this public JWKS:\n`);
  process.stdout.write(`${JSON.stringify({ keys: [pub] }, null, 2)}\n`);
}

async function loadKey(file: string, kidArg?: string, algArg?: string) {
  const text = readFileSync(file, 'utf8');
  if (text.includes('-----BEGIN')) {
    if (!kidArg || !algArg) fail('a PEM key needs --kid and --alg');
    return { key: await importPKCS8(text, algArg), kid: kidArg, alg: algArg };
  }
  const jwk = JSON.parse(text) as JWK;
  const alg = algArg ?? jwk.alg;
  const kid = kidArg ?? jwk.kid;
  if (!jwk.d) fail(`${file} is not a private key`);
  if (!alg || !kid) fail('the key needs alg and kid (in the JWK, or --alg and --kid)');
  return { key: await importJWK(jwk, alg), kid, alg };
}

async function token(values: Record<string, string | boolean | undefined>) {
  const client = values.client as string | undefined;
  const keyFile = values.key as string | undefined;
  if (!client || !keyFile) fail('usage: npm run token -- --client <id> --key <private-key.json> [--url <fhir base>] [--scope "system/*.rs"]');
  const base = String(values.url ?? process.env.FHIR_BASE_URL ?? 'http://127.0.0.1:8080/fhir').replace(/\/$/, '');
  const discovery = await fetch(`${base}/.well-known/smart-configuration`);
  if (!discovery.ok) fail(`${base}/.well-known/smart-configuration answered ${discovery.status}: is the server running with AUTH=on?`);
  const { token_endpoint: tokenUrl } = (await discovery.json()) as { token_endpoint: string };
  const { key, kid, alg } = await loadKey(keyFile, values.kid as string | undefined, values.alg as string | undefined);
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg, kid, typ: 'JWT' })
    .setIssuer(client)
    .setSubject(client)
    .setAudience(tokenUrl)
    .setIssuedAt(now)
    .setExpirationTime(now + 240)
    .setJti(randomUUID())
    .sign(key);
  const res = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: assertion,
      scope: String(values.scope ?? 'system/*.rs'),
    }),
  });
  const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
  if (!res.ok || !body.access_token) fail(`token request refused (${res.status}): ${body.error ?? ''} ${body.error_description ?? ''}`.trim());
  process.stdout.write(values.json ? `${JSON.stringify(body, null, 2)}\n` : `${body.access_token}\n`);
}

async function main() {
  const { values } = parseArgs({
    options: {
      generate: { type: 'boolean' },
      out: { type: 'string' },
      alg: { type: 'string' },
      kid: { type: 'string' },
      client: { type: 'string' },
      key: { type: 'string' },
      url: { type: 'string' },
      scope: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (values.generate) {
    if (!values.out) fail('usage: npm run token -- --generate [--alg ES384|RS384] [--kid <id>] --out <key.json>');
    await generate(values.alg ?? 'ES384', values.kid ?? randomUUID(), values.out);
    return;
  }
  await token(values);
}

main().catch((e) => fail(`token: ${(e as Error).message}`));
