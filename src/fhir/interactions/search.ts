/** GET [type]?…, POST [type]/_search — a searchset Bundle, assembled from stored JSON without re-parsing it. */
import { randomUUID } from 'node:crypto';
import { badRequest, issue, operationOutcome } from '../../outcomes';
import type { SearchResult } from '../../store/repository';
import { parseSystemSearch, search as searchModule } from '../search';
import type { ParsedSearch } from '../search/types';
import type { FhirResponse, Handler, HandlerContext } from '../types';
import { requireType } from './common';
import { subsetJson } from './subset';

/** GET [base]?_type=…&…: a search across types (every type when `_type` is absent). */
export const searchSystem: Handler = async (ctx) => runSearch(ctx, '*', ctx.req.query);

/** POST [base]/_search: the same, parameters in a form body plus the URL's. */
export const searchSystemPost: Handler = async (ctx) => runSearch(ctx, '*', [...ctx.req.query, ...formParams(ctx)]);

export const searchType: Handler = async (ctx) => {
  requireType(ctx.params.type);
  return runSearch(ctx, ctx.params.type, ctx.req.query);
};

/** POST [type]/_search: parameters in an application/x-www-form-urlencoded body, plus the URL's. */
export const searchTypePost: Handler = async (ctx) => {
  requireType(ctx.params.type);
  return runSearch(ctx, ctx.params.type, [...ctx.req.query, ...formParams(ctx)]);
};

function formParams(ctx: HandlerContext): [string, string][] {
  const body = ctx.req.body;
  if (typeof body === 'string') return [...new URLSearchParams(body).entries()];
  if (body !== undefined && body !== null && !(typeof body === 'object' && Object.keys(body).length === 0)) {
    throw badRequest('POST _search takes its parameters as application/x-www-form-urlencoded');
  }
  return [];
}

export async function runSearch({ req, deps }: HandlerContext, type: string, query: [string, string][]): Promise<FhirResponse> {
  const options = {
    strict: req.prefer.handling === 'strict',
    defaultCount: deps.config.SEARCH_DEFAULT_COUNT,
    maxCount: deps.config.SEARCH_MAX_COUNT,
  };
  const parsed = type === '*' ? parseSystemSearch(query, options) : searchModule.parseSearch(type, query, options);
  const result = await deps.repo.search(parsed);
  return { status: 200, headers: {}, json: searchsetJson(req.baseUrl, parsed, result) };
}

function linkUrl(baseUrl: string, parsed: ParsedSearch, cursor?: string): string {
  const qs = new URLSearchParams(parsed.selfParams);
  if (cursor) qs.set('_cursor', cursor);
  const s = qs.toString();
  return `${baseUrl}${parsed.resourceType === '*' ? '' : `/${parsed.resourceType}`}${s ? `?${s}` : ''}`;
}

export function searchsetJson(baseUrl: string, parsed: ParsedSearch, result: SearchResult): string {
  const links = [{ relation: 'self', url: linkUrl(baseUrl, parsed, parsed.cursor) }];
  if (result.nextCursor) links.push({ relation: 'next', url: linkUrl(baseUrl, parsed, result.nextCursor) });
  if (result.previousCursor) links.push({ relation: 'previous', url: linkUrl(baseUrl, parsed, result.previousCursor) });
  const head: Record<string, unknown> = {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { lastUpdated: new Date().toISOString() },
    type: 'searchset',
  };
  if (result.total !== undefined) head.total = result.total;
  head.link = links;
  const entries: string[] = result.entries.map((e) => {
    const json = subsetJson(e.json, parsed);
    return `{"fullUrl":${JSON.stringify(`${baseUrl}/${e.type}/${e.id}`)},"resource":${json},"search":{"mode":"${e.mode}"}}`;
  });
  if (parsed.ignored.length) {
    const oo = operationOutcome(parsed.ignored.map((i) => issue('warning', 'not-supported', `Search parameter '${i.name}' was ignored: ${i.reason}`, i.name)));
    entries.push(JSON.stringify({ fullUrl: `urn:uuid:${randomUUID()}`, resource: oo, search: { mode: 'outcome' } }));
  }
  const headJson = JSON.stringify(head);
  if (entries.length === 0 || parsed.summary === 'count') return headJson;
  return `${headJson.slice(0, -1)},"entry":[${entries.join(',')}]}`;
}
