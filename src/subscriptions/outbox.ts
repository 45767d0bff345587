/**
 * The write side of R4 Subscriptions: runs inside every write transaction (PostgresRepository write
 * hooks). A client's Subscription is checked and given its status (`requested`, or `off`); its state
 * row is kept beside it. Every other written resource is matched against the subscriptions of its
 * type by running each one's criteria as a search limited to the written ids — the server's own
 * search, with the owner's access filter — and each match is recorded in the outbox
 * (subscription_event) with the subscription's next event number, in the same transaction.
 */
import type { Subscription } from 'fhir/r4';
import { forbidden, isOutcomeError, issue, unprocessable } from '../outcomes';
import { search as searchModule } from '../fhir/search';
import type { AccessPolicy, AuthContext } from '../fhir/types';
import { isResourceType } from '../fhir/resource-types';
import { defineSubscriptionChannel, registeredSubscriptionChannels } from '../fhir/registry';
import type { Config } from '../config';
import type { PostgresRepository, ScopedSearch, WriteHooks } from '../store/postgres-repository';
import type { Resource, WriteOp, WriteResult } from '../store/repository';
import { currentWriter } from './writer';

/** Statuses in which a subscription collects notifications (`off` collects none). */
export const LIVE = ['requested', 'active', 'error'];
export const PAYLOAD_TYPES = ['application/fhir+json', 'application/json'];
/** The R4 backport IG's extension on channel.payload naming the notification content. */
export const BACKPORT_CONTENT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content';

/** What a notification carries: the resource (`full-resource`) or nothing (`empty`). */
export function payloadContent(sub: Subscription): 'full-resource' | 'empty' | string {
  const ext = (sub.channel as { _payload?: { extension?: { url?: string; valueCode?: string }[] } })._payload?.extension?.find((e) => e.url === BACKPORT_CONTENT);
  if (ext) return ext.valueCode ?? '';
  return sub.channel.payload ? 'full-resource' : 'empty';
}

defineSubscriptionChannel({
  type: 'rest-hook',
  payloads: PAYLOAD_TYPES,
  description: 'rest-hook: a handshake POST (no body) on activation; then per matching create or update, a POST with no body (no payload) '
    + 'or a PUT of the resource to [endpoint]/[type]/[id] (payload application/fhir+json), with channel.header and the headers '
    + 'X-Subscription and X-Subscription-Event (the event number)',
});

export interface OutboxOptions {
  config: Pick<Config, 'SUBSCRIPTION_ALLOWED_ORIGINS'>;
  access?: AccessPolicy;
  /** Called after a write recorded notifications (the local worker looks sooner). */
  onRecorded?: () => void;
}

interface StateRow { id: string; resource_type: string; criteria: string; status: string; owner: AuthContext | null }

const refuse = (text: string, expression: string) => unprocessable([issue('error', 'invariant', text, expression)]);

/** Whether a rest-hook endpoint may be called: any https URL, or http on an allowed origin. */
export function endpointAllowed(endpoint: string, allowed: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && allowed.some((o) => o.toLowerCase() === url.origin.toLowerCase());
}

/** `Type?a=b&c=d` → type and parameters; throws 422 when it is not a search this server runs. */
export function parseCriteria(criteria: string | undefined): { type: string; params: [string, string][] } {
  if (!criteria || !criteria.trim()) throw refuse('Subscription.criteria is required (a search such as Claim?status=active)', 'Subscription.criteria');
  const q = criteria.indexOf('?');
  const type = (q < 0 ? criteria : criteria.slice(0, q)).trim();
  if (!isResourceType(type)) throw refuse(`Subscription.criteria must start with an R4 resource type, not '${type}'`, 'Subscription.criteria');
  const params = q < 0 ? [] : [...new URLSearchParams(criteria.slice(q + 1)).entries()];
  const control = params.find(([k]) => ['_count', '_sort', '_include', '_revinclude', '_summary', '_elements', '_total', '_cursor', '_contained', '_containedType'].includes(k.split(':')[0]));
  if (control) throw refuse(`Subscription.criteria may not use '${control[0]}': only filters decide what matches`, 'Subscription.criteria');
  try {
    searchModule.parseSearch(type, params, { strict: true, defaultCount: 1, maxCount: 1 });
  } catch (e) {
    if (isOutcomeError(e)) throw refuse(`Subscription.criteria is not a search this server supports: ${e.outcome.issue.map((i) => i.diagnostics).join('; ')}`, 'Subscription.criteria');
    throw e;
  }
  return { type, params };
}

/** Check a client's Subscription and set the status the server gives it. */
export function prepareSubscription(sub: Subscription, options: OutboxOptions, auth: AuthContext | undefined, previous?: { status: string; resource: Subscription }): void {
  const { type } = parseCriteria(sub.criteria);
  if (auth && options.access) {
    try {
      options.access.assertAllowed(auth, 'search', type);
    } catch {
      throw forbidden(`Client '${auth.clientId}' may not search ${type}, so it may not subscribe to it`);
    }
  }
  const channel = sub.channel;
  const supported = registeredSubscriptionChannels();
  const def = supported.find((c) => c.type === channel?.type);
  if (!channel || !def) {
    throw refuse(`Subscription.channel.type '${channel?.type ?? ''}' is not supported: this server delivers over ${supported.map((c) => c.type).join(', ')}`, 'Subscription.channel.type');
  }
  if (!channel.endpoint || !endpointAllowed(channel.endpoint, options.config.SUBSCRIPTION_ALLOWED_ORIGINS)) {
    throw refuse(`Subscription.channel.endpoint '${channel.endpoint ?? ''}' is not allowed: use an https URL, or http on an origin listed in SUBSCRIPTION_ALLOWED_ORIGINS`, 'Subscription.channel.endpoint');
  }
  if (channel.payload !== undefined && !def.payloads.includes(channel.payload.split(';')[0].trim())) {
    throw refuse(`Subscription.channel.payload '${channel.payload}' is not supported: leave it out (empty notification) or use application/fhir+json`, 'Subscription.channel.payload');
  }
  const content = payloadContent(sub);
  if (content !== 'empty' && content !== 'full-resource') {
    throw refuse(`Subscription.channel.payload content '${content}' is not supported: use empty or full-resource`, 'Subscription.channel.payload');
  }
  if (content === 'full-resource' && !channel.payload) throw refuse('Subscription.channel.payload content full-resource needs a payload type (application/fhir+json)', 'Subscription.channel.payload');
  for (const h of channel.header ?? []) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+:[ \t]*[^\r\n]*$/.test(h)) throw refuse(`Subscription.channel.header '${h}' is not an HTTP header ('Name: value')`, 'Subscription.channel.header');
  }
  // The server owns the status: a client asks for a subscription (requested) or turns it off.
  // An update that leaves criteria and channel as they were keeps an active (or failing) status:
  // no new handshake, and what was not yet delivered still goes out.
  const unchanged = previous && previous.resource.criteria === sub.criteria && JSON.stringify(previous.resource.channel) === JSON.stringify(sub.channel);
  if (sub.status === 'off') sub.status = 'off';
  else if (unchanged && (previous.status === 'active' || previous.status === 'error')) {
    sub.status = previous.status;
    if (previous.status === 'error' && previous.resource.error) sub.error = previous.resource.error;
    return;
  } else sub.status = 'requested';
  delete sub.error;
}

export function outboxHooks(options: OutboxOptions): WriteHooks {
  return {
    async before(ops: WriteOp[], repo: PostgresRepository) {
      const writer = currentWriter();
      if (writer.system) return;
      for (const op of ops) {
        if (op.kind === 'delete' || op.resource.resourceType !== 'Subscription') continue;
        let previous: { status: string; resource: Subscription } | undefined;
        if (op.kind === 'update' && op.resource.id) {
          const [row] = await repo.sql.query<{ owner: AuthContext | null; status: string; content: string | null }>(
            `SELECT s.owner, s.status, r.content FROM subscription_state s JOIN resource r ON r.type = 'Subscription' AND r.id = s.id AND NOT r.deleted WHERE s.id = $1`,
            [op.resource.id],
          );
          if (row && writer.auth && writer.auth.role !== 'admin' && row.owner && !sameOwner(row.owner, writer.auth)) throw forbidden(`Subscription/${op.resource.id} belongs to another client`);
          if (row?.content) previous = { status: row.status, resource: JSON.parse(row.content) as Subscription };
        }
        prepareSubscription(op.resource as Subscription, options, writer.auth, previous);
      }
      for (const op of ops) {
        if (op.kind === 'delete' && op.type === 'Subscription' && writer.auth && writer.auth.role !== 'admin') {
          const [row] = await repo.sql.query<{ owner: AuthContext | null }>('SELECT owner FROM subscription_state WHERE id = $1', [op.id]);
          if (row?.owner && !sameOwner(row.owner, writer.auth)) throw forbidden(`Subscription/${op.id} belongs to another client`);
        }
      }
    },

    async after(ops: WriteOp[], results: WriteResult[], repo: PostgresRepository) {
      const sql = repo.sql;
      const writer = currentWriter();
      let recorded = false;
      // Subscriptions written: their state rows (and a handshake when one is requested).
      for (let i = 0; i < results.length; i++) {
        const r = results[i];
        if (r.type !== 'Subscription' || r.status === 204) continue;
        if (ops[i].kind === 'delete') {
          await sql.query('DELETE FROM subscription_event WHERE subscription = $1', [r.id]);
          await sql.query('DELETE FROM subscription_state WHERE id = $1', [r.id]);
          continue;
        }
        const sub = r.resource as Subscription;
        const { type } = parseCriteria(sub.criteria);
        if (writer.system) {
          await sql.query('UPDATE subscription_state SET status = $2 WHERE id = $1', [r.id, sub.status]);
          continue;
        }
        // Locks the state row: a concurrent matching write numbers its events after this.
        await sql.query(
          `INSERT INTO subscription_state (id, resource_type, criteria, status, owner, failures) VALUES ($1, $2, $3, $4, $5::jsonb, 0)
           ON CONFLICT (id) DO UPDATE SET resource_type = EXCLUDED.resource_type, criteria = EXCLUDED.criteria, status = EXCLUDED.status,
             owner = COALESCE(subscription_state.owner, EXCLUDED.owner), -- only the owner (or an admin, who keeps it) gets here
             failures = CASE WHEN EXCLUDED.status = subscription_state.status THEN subscription_state.failures ELSE 0 END`,
          [r.id, type, sub.criteria, sub.status, writer.auth ? JSON.stringify(writer.auth) : null],
        );
        if (sub.status === 'requested') {
          // One handshake at a time; it goes before any notification still waiting (see delivery.ts).
          await sql.query(`DELETE FROM subscription_event WHERE subscription = $1 AND kind = 'handshake'`, [r.id]);
          await sql.query(`INSERT INTO subscription_event (subscription, kind, event_number) VALUES ($1, 'handshake', 0)`, [r.id]);
          recorded = true;
        }
      }
      // Every other resource written (deletions notify nobody, as R4 says): match it.
      const byType = new Map<string, { id: string; version: number }[]>();
      for (let i = 0; i < results.length; i++) {
        const r = results[i];
        if (ops[i].kind === 'delete' || r.status === 204 || !r.resource) continue;
        const list = byType.get(r.type) ?? [];
        list.push({ id: r.id, version: Number(r.versionId) });
        byType.set(r.type, list);
      }
      if (byType.size) {
        const subs = await sql.query<StateRow>(
          'SELECT id, resource_type, criteria, status, owner FROM subscription_state WHERE resource_type = ANY($1::text[]) AND status = ANY($2::text[]) ORDER BY id',
          [[...byType.keys()], LIVE],
          'prss_subscriptions_for_types',
        );
        const matches = await matching(repo, subs, byType, options.access);
        const hits = subs.flatMap((s) => {
          const matched = matches.get(s.id);
          return matched ? [{ s, focus: byType.get(s.resource_type)!.filter((w) => matched.has(w.id)) }] : [];
        });
        if (hits.length) {
          // Number the events: the state rows are locked in id order (no deadlock between writers),
          // so each subscription's numbers follow commit order without gaps.
          const subIds = hits.map((h) => h.s.id);
          await sql.query('SELECT id FROM subscription_state WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [subIds]);
          const counts = await sql.query<{ id: string; events: string }>(
            `UPDATE subscription_state s SET events = s.events + x.n FROM unnest($1::text[], $2::int[]) AS x(id, n) WHERE s.id = x.id RETURNING s.id, s.events`,
            [subIds, hits.map((h) => h.focus.length)],
          );
          const last = new Map(counts.map((c) => [c.id, Number(c.events)]));
          const rows = hits.flatMap((h) => h.focus.map((f, k) => ({ sub: h.s.id, type: h.s.resource_type, n: last.get(h.s.id)! - h.focus.length + 1 + k, id: f.id, version: f.version })));
          await sql.query(
            `INSERT INTO subscription_event (subscription, kind, event_number, focus_type, focus_id, focus_version)
             SELECT s, 'event', n, t, i, v FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::int[]) AS x(s, n, t, i, v) ORDER BY s, n`,
            [rows.map((r) => r.sub), rows.map((r) => r.n), rows.map((r) => r.type), rows.map((r) => r.id), rows.map((r) => r.version)],
          );
          recorded = true;
        }
      }
      if (recorded) options.onRecorded?.();
    },
  };
}

/** The same owner as access control sees it (src/auth/tenancy.ts): the organization, or the client when it acts for none. */
const sameOwner = (a: AuthContext, b: AuthContext) => (a.organization || b.organization ? a.organization === b.organization : a.clientId === b.clientId);

/** For each subscription, the written ids (of its type) its criteria match as its owner may see them; one statement for all. */
async function matching(repo: PostgresRepository, subs: StateRow[], byType: Map<string, { id: string }[]>, access: AccessPolicy | undefined): Promise<Map<string, Set<string>>> {
  const searches: { key: string; search: ScopedSearch }[] = [];
  for (const s of subs) {
    const owner = s.owner ?? undefined;
    if (owner && access) {
      try {
        access.assertAllowed(owner, 'search', s.resource_type);
      } catch {
        continue; // the owner may no longer search this type: nothing to notify
      }
    }
    const ids = byType.get(s.resource_type)!.map((w) => w.id);
    const { params } = parseCriteria(s.criteria);
    const search: ScopedSearch = searchModule.parseSearch(s.resource_type, [...params, ['_id', ids.join(',')]], { strict: true, defaultCount: 1, maxCount: 1 });
    if (owner && access) search.access = (p, alias) => access.searchFilter(owner, s.resource_type, p, alias);
    searches.push({ key: s.id, search });
  }
  const out = new Map<string, Set<string>>();
  for (const m of await repo.matchMany(searches)) {
    const set = out.get(m.key) ?? new Set<string>();
    set.add(m.id);
    out.set(m.key, set);
  }
  return out;
}

export type { Resource };
