/**
 * Registered backend clients (AUTH_CLIENTS_FILE): who may ask for tokens, with which keys, scopes,
 * role and organization. Validated once at start; a bad file stops startup naming the problem.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../config';
import { parseScope } from './scopes';

const jwk = z
  .object({
    kty: z.enum(['RSA', 'EC']),
    kid: z.string().min(1),
    alg: z.enum(['RS384', 'ES384']).optional(),
    use: z.string().optional(),
    key_ops: z.array(z.string()).optional(),
    n: z.string().optional(),
    e: z.string().optional(),
    crv: z.string().optional(),
    x: z.string().optional(),
    y: z.string().optional(),
    d: z.never({ message: 'a registered key must be public (no private part "d")' }).optional(),
  })
  .loose()
  .refine((k) => (k.kty === 'RSA' ? !!k.n && !!k.e : k.crv === 'P-384' && !!k.x && !!k.y), {
    message: 'an RSA key needs n and e; an EC key must be P-384 with x and y (ES384)',
  });

export const clientSchema = z.object({
  clientId: z.string().regex(/^[A-Za-z0-9._~-]{1,128}$/, 'letters, digits and . _ ~ - (at most 128)'),
  jwks: z.object({ keys: z.array(jwk).min(1) }).loose(),
  scopes: z.array(z.string().refine((s) => parseScope(s) !== undefined, { message: 'not a SMART system scope (system/<Type|*>.<cruds> or .read/.write/.*)' })).min(1),
  role: z.enum(['ehr', 'payer', 'warehouse', 'admin']),
  organization: z.string().regex(/^Organization\/[A-Za-z0-9\-.]{1,64}$/, 'Organization/<id>').optional(),
});

export const clientsSchema = z
  .array(clientSchema)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((c, i) => {
      if (seen.has(c.clientId)) ctx.addIssue({ code: 'custom', path: [i, 'clientId'], message: `duplicate clientId '${c.clientId}'` });
      seen.add(c.clientId);
      if ((c.role === 'ehr' || c.role === 'payer') && !c.organization) {
        ctx.addIssue({ code: 'custom', path: [i, 'organization'], message: `a${c.role === 'ehr' ? 'n' : ''} ${c.role} client acts for an organization: set organization to Organization/<id>` });
      }
      const kids = new Set<string>();
      c.jwks.keys.forEach((k, j) => {
        if (kids.has(k.kid)) ctx.addIssue({ code: 'custom', path: [i, 'jwks', 'keys', j, 'kid'], message: `duplicate kid '${k.kid}'` });
        kids.add(k.kid);
      });
    });
  });

export type RegisteredClient = z.infer<typeof clientSchema>;

/** Parse and validate a clients document; `source` names it in errors. */
export function parseClients(json: unknown, source = 'AUTH_CLIENTS_FILE'): RegisteredClient[] {
  const parsed = clientsSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${source}: [${i.path.join('.')}] ${i.message}`));
  }
  return parsed.data;
}

export function loadClients(file: string): RegisteredClient[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError([`AUTH_CLIENTS_FILE: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError([`AUTH_CLIENTS_FILE: ${file} is not valid JSON (${(e as Error).message})`]);
  }
  return parseClients(json, `AUTH_CLIENTS_FILE (${file})`);
}
