/** History: instance (`[type]/[id]/_history`), type (`[type]/_history`) and system (`/_history`). */
import type { Bundle, BundleEntry } from 'fhir/r4';
import { randomUUID } from 'node:crypto';
import { badRequest } from '../../outcomes';
import type { HistoryPage } from '../../store/repository';
import type { Handler, HandlerContext } from '../types';
import { etag, param, requireId, requireType } from './common';
import { parseDateRange } from '../search/dates';

const statusOf = (m: string, version: string) => (m === 'DELETE' ? '200 OK' : version === '1' ? '201 Created' : '200 OK');

async function history(ctx: HandlerContext, type?: string, id?: string) {
  const { req, deps } = ctx;
  const q = req.query;
  const countText = param(q, '_count');
  const count = countText === undefined ? deps.config.SEARCH_DEFAULT_COUNT : Number(countText);
  if (!Number.isInteger(count) || count < 0) throw badRequest(`_count must be a non-negative integer, not '${countText}'`, '_count');
  // Both take a date of any precision: `_since=2027` is from the first instant of 2027, `_at=2027`
  // the versions current at some point during 2027.
  const dateParam = (name: '_since' | '_at') => {
    const v = param(q, name);
    if (v === undefined) return undefined;
    const range = parseDateRange(v);
    if (!range) throw badRequest(`${name} must be a FHIR date, dateTime or instant (such as 2027, 2027-03 or 2027-03-10T10:00:00Z), not '${v}'`, name);
    return range;
  };
  const sinceRange = dateParam('_since');
  const atRange = dateParam('_at');
  const since = sinceRange?.lo;
  const at = atRange ? { from: atRange.lo, to: atRange.hi } : undefined;
  if (type && id) await deps.repo.vreadRaw(type, id, '1').catch((e: { status?: number }) => {
    if (e.status === 404) throw e; // unknown resource; a deleted first version still has history
  });
  const page = await deps.repo.history({ type, id, since, at, count: Math.min(count, deps.config.SEARCH_MAX_COUNT), cursor: param(q, '_cursor') });
  return { status: 200, headers: {}, resource: historyBundle(req.baseUrl, `${type ? `/${type}` : ''}${id ? `/${id}` : ''}/_history`, q, page) };
}

export function historyBundle(baseUrl: string, path: string, q: [string, string][], page: HistoryPage): Bundle {
  const self = new URLSearchParams(q.filter(([k]) => k !== '_cursor'));
  const link = [{ relation: 'self', url: `${baseUrl}${path}${q.length ? `?${new URLSearchParams(q)}` : ''}` }];
  if (page.nextCursor) {
    self.set('_cursor', page.nextCursor);
    link.push({ relation: 'next', url: `${baseUrl}${path}?${self}` });
  }
  const entry: BundleEntry[] = page.entries.map((e) => ({
    fullUrl: `${baseUrl}/${e.type}/${e.id}`,
    ...(e.json ? { resource: JSON.parse(e.json) } : {}),
    request: { method: e.method === 'PATCH' ? 'PATCH' : e.method, url: e.method === 'POST' ? e.type : `${e.type}/${e.id}` },
    response: { status: statusOf(e.method, e.versionId), etag: etag(e.versionId), lastModified: e.lastUpdated },
  }));
  return { resourceType: 'Bundle', id: randomUUID(), type: 'history', ...(page.total !== undefined ? { total: page.total } : {}), link, entry };
}

export const instanceHistory: Handler = async (ctx) => {
  requireType(ctx.params.type);
  requireId(ctx.params.id);
  return history(ctx, ctx.params.type, ctx.params.id);
};
export const typeHistory: Handler = async (ctx) => {
  requireType(ctx.params.type);
  return history(ctx, ctx.params.type);
};
export const systemHistory: Handler = async (ctx) => history(ctx);
