/**
 * GET /AuditEvent (search) and GET /AuditEvent/[id] (read), served from the audit_event table.
 * Search parameters: _id, date (all prefixes), agent-name / altid (client id), entity-name
 * (`Type`, `Type/id`; a `Type/id` also finds its versions), subtype (interaction), action, outcome,
 * _count, _sort (date or -date, the default), _summary=count. Access (admin only) is checked by the guard.
 */
import { randomUUID } from 'node:crypto';
import { sqlOf } from '../auth/policy';
import { badRequest, issue, notFound, operationOutcome } from '../outcomes';
import { parseDateRange } from '../fhir/search/dates';
import type { Handler } from '../fhir/types';
import { SqlParams } from '../store/sql';

const TOKEN = (v: string) => (v.includes('|') ? v.slice(v.indexOf('|') + 1) : v);
const KNOWN = ['_id', 'date', 'agent-name', 'altid', 'entity-name', 'subtype', 'action', 'outcome', '_count', '_sort', '_summary', '_cursor', '_format', '_pretty', '_total'];

function dateCondition(value: string, p: SqlParams): string {
  const m = /^(eq|ne|gt|lt|ge|le|sa|eb)?(.+)$/.exec(value)!;
  const prefix = m[1] ?? 'eq';
  const range = parseDateRange(m[2]);
  if (!range) throw badRequest(`date must be a FHIR date or instant with an optional prefix, not '${value}'`, 'date');
  // Parameters are added only when used: an unused one has no type PostgreSQL can infer.
  const lo = () => `${p.add(range.lo)}::timestamptz`;
  const hi = () => `${p.add(range.hi)}::timestamptz`;
  switch (prefix) {
    case 'eq': return `(recorded >= ${lo()} AND recorded <= ${hi()})`;
    case 'ne': return `(recorded < ${lo()} OR recorded > ${hi()})`;
    case 'gt': case 'sa': return `recorded > ${hi()}`;
    case 'lt': case 'eb': return `recorded < ${lo()}`;
    case 'ge': return `recorded >= ${lo()}`;
    default: return `recorded <= ${hi()}`;
  }
}

export const searchAuditEvents: Handler = async ({ req, deps }) => {
  const p = new SqlParams();
  const where: string[] = [];
  const ignored: string[] = [];
  let count = deps.config.SEARCH_DEFAULT_COUNT;
  let descending = true;
  let summaryCount = false;
  let cursor: { recorded: string; seq: number } | undefined;
  const anyOf = (column: string, values: string[]) => `${column} = ANY(${p.add(values)}::text[])`;
  const form = typeof req.body === 'string' ? [...new URLSearchParams(req.body)] : [];
  for (const [name, raw] of [...req.query, ...form]) {
    const values = raw.split(',').map((v) => v.trim()).filter(Boolean);
    switch (name) {
      case '_id': where.push(anyOf('id', values)); break;
      case 'date': where.push(dateCondition(raw, p)); break;
      case 'agent-name': case 'altid': where.push(anyOf('client_id', values.map(TOKEN))); break;
      case 'subtype': where.push(anyOf('interaction', values.map(TOKEN))); break;
      case 'action': where.push(anyOf('action', values.map(TOKEN))); break;
      case 'outcome': where.push(anyOf('outcome', values.map(TOKEN))); break;
      case 'entity-name': {
        const v = p.add(values);
        where.push(`(entities && ${v}::text[] OR EXISTS (SELECT 1 FROM unnest(entities) e, unnest(${v}::text[]) w WHERE e LIKE w || '/_history/%'))`);
        break;
      }
      case '_count': {
        const n = Number(raw);
        if (!Number.isInteger(n) || n < 0) throw badRequest(`_count must be a non-negative integer, not '${raw}'`, '_count');
        count = Math.min(n, deps.config.SEARCH_MAX_COUNT);
        break;
      }
      case '_sort':
        if (raw !== 'date' && raw !== '-date') throw badRequest(`AuditEvent sorts by date or -date only, not '${raw}'`, '_sort');
        descending = raw === '-date';
        break;
      case '_summary':
        if (raw === 'count') summaryCount = true;
        break;
      case '_cursor':
        try {
          const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as { r: string; s: number; d: boolean };
          if (typeof c.r !== 'string' || typeof c.s !== 'number' || c.d !== descending) throw new Error('shape');
          cursor = { recorded: c.r, seq: c.s };
        } catch {
          throw badRequest('The paging cursor (_cursor) is not valid for this search; start again from the first page', '_cursor');
        }
        break;
      default:
        if (KNOWN.includes(name)) break;
        if (req.prefer.handling === 'strict') throw badRequest(`Unknown search parameter '${name}' for AuditEvent; supported: ${KNOWN.filter((k) => !k.startsWith('_') || k === '_id').join(', ')}`, name);
        ignored.push(name);
    }
  }
  const sql = sqlOf(deps.repo);
  const filter = where.length ? where.join(' AND ') : 'true';
  const total = Number((await sql.query<{ n: number | string }>(`SELECT count(*) AS n FROM audit_event WHERE ${filter}`, p.values))[0].n);
  const self = `${req.baseUrl}/AuditEvent${req.query.length ? `?${new URLSearchParams(req.query.filter(([k]) => k !== '_cursor'))}` : ''}`;
  const bundle: Record<string, unknown> = { resourceType: 'Bundle', id: randomUUID(), meta: { lastUpdated: new Date().toISOString() }, type: 'searchset', total };
  const link = [{ relation: 'self', url: self }];
  bundle.link = link;
  if (summaryCount || count === 0) return { status: 200, headers: {}, resource: bundle as never };

  const op = descending ? '<' : '>';
  const keyset = cursor ? ` AND (recorded, seq) ${op} (${p.add(cursor.recorded)}::timestamptz, ${p.add(cursor.seq)}::bigint)` : '';
  const dir = descending ? 'DESC' : 'ASC';
  const rows = await sql.query<{ seq: number; recorded: Date | string; content: string }>(
    `SELECT seq, recorded, content FROM audit_event WHERE ${filter}${keyset} ORDER BY recorded ${dir}, seq ${dir} LIMIT ${count + 1}`,
    p.values,
  );
  const page = rows.slice(0, count);
  if (rows.length > count) {
    const last = page[page.length - 1];
    const next = Buffer.from(JSON.stringify({ r: new Date(last.recorded).toISOString(), s: Number(last.seq), d: descending })).toString('base64url');
    const qs = new URLSearchParams(req.query.filter(([k]) => k !== '_cursor'));
    qs.set('_cursor', next);
    link.push({ relation: 'next', url: `${req.baseUrl}/AuditEvent?${qs}` });
  }
  const entries = page.map((r) => {
    const id = (JSON.parse(r.content) as { id: string }).id;
    return { fullUrl: `${req.baseUrl}/AuditEvent/${id}`, resource: JSON.parse(r.content), search: { mode: 'match' } };
  });
  if (ignored.length) {
    entries.push({ fullUrl: `urn:uuid:${randomUUID()}`, resource: operationOutcome(ignored.map((n) => issue('warning', 'not-supported', `Search parameter '${n}' was ignored: AuditEvent does not support it`, n))), search: { mode: 'outcome' } });
  }
  if (entries.length) bundle.entry = entries;
  return { status: 200, headers: {}, resource: bundle as never };
};

export const readAuditEvent: Handler = async ({ deps, params }) => {
  const rows = await sqlOf(deps.repo).query<{ content: string; recorded: Date | string }>('SELECT content, recorded FROM audit_event WHERE id = $1', [params.id]);
  if (!rows.length) throw notFound(`AuditEvent/${params.id} is not known`);
  return { status: 200, headers: { ETag: 'W/"1"', 'Last-Modified': new Date(rows[0].recorded).toUTCString() }, json: rows[0].content };
};

/** The AuditEvent routes (reads only; the store keeps writes to the server), or undefined for any other request. */
export function auditRoute(method: string, segments: string[]): { interaction: 'search-type' | 'read'; handler: Handler; params: Record<string, string> } | undefined {
  if (segments[0] !== 'AuditEvent' || (method !== 'GET' && method !== 'HEAD' && !(method === 'POST' && segments[1] === '_search'))) return undefined;
  if (segments.length === 1 || (segments.length === 2 && segments[1] === '_search')) return { interaction: 'search-type', handler: searchAuditEvents, params: { type: 'AuditEvent' } };
  if (segments.length === 2 && !segments[1].startsWith('$') && !segments[1].startsWith('_')) return { interaction: 'read', handler: readAuditEvent, params: { type: 'AuditEvent', id: segments[1] } };
  return undefined;
}

