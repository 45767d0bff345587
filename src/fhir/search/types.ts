/**
 * The contract between search (parameter definitions, value extraction, query parsing into typed
 * criteria — src/fhir/search/, which knows no SQL) and the store (src/store/), which writes the
 * index rows and turns a parsed search into SQL (src/store/postgres/search-sql.ts) with paging,
 * includes and totals. Imports go one way: the store imports fhir/search, never the reverse.
 *
 * Index tables (see src/store/migrations.ts), each row keyed by the resource's internal `rid`,
 * its `type` and the search parameter `param` (the SearchParameter `code`):
 *   sp_token(system, code, text_value)      sp_string(value normalised, exact_value)
 *   sp_date(lo, hi)                          sp_number(value)
 *   sp_quantity(value, system, code)         sp_reference(target_type, target_id, url)
 *   sp_uri(value)
 * and `grp` on each: the element of a composite parameter a row `code#i` belongs to.
 */

import type { Criterion } from './criteria';

export type SearchParamType = 'number' | 'date' | 'string' | 'token' | 'reference' | 'composite' | 'quantity' | 'uri' | 'special';

export interface SearchParamDef {
  code: string;
  type: SearchParamType;
  /** Resource types the parameter applies to. */
  base: string[];
  /** The FHIRPath expression from the official definition (whole, all bases). */
  expression?: string;
  /** Reference targets. */
  target?: string[];
  /** Composite parameters: each component's parameter code, type and expression (relative to the composite's elements). */
  components?: { code: string; type: SearchParamType; expression: string }[];
  url: string;
}

/**
 * `grp` ties the rows of one element of a composite parameter together: its components are written
 * as rows `code#0`, `code#1`… of their own types, with the same `grp` for the same element.
 */
export interface IndexRows {
  token: { param: string; system: string | null; code: string | null; text: string | null; grp?: number }[];
  string: { param: string; value: string; exact: string; grp?: number }[];
  /** ISO-8601 instants with offset, inclusive bounds of the range the value covers. */
  date: { param: string; lo: string; hi: string; grp?: number }[];
  number: { param: string; value: string; grp?: number }[];
  quantity: { param: string; value: string; system: string | null; code: string | null; grp?: number }[];
  reference: { param: string; targetType: string | null; targetId: string | null; url: string | null; grp?: number }[];
  uri: { param: string; value: string; grp?: number }[];
}

/** One `_include` / `_revinclude` value, e.g. `CarePlan:subject:Patient`, `*`, with `:iterate`. */
export interface IncludeSpec {
  /** The resource type whose reference parameter is followed (source of the reference). */
  sourceType: string;
  /** The reference search parameter code, or '*' for all reference parameters. */
  param: string;
  targetType?: string;
  iterate: boolean;
}

export interface SortKey {
  /** A parameter code, or `_id` / `_lastUpdated`. */
  param: string;
  descending: boolean;
}

/** A parsed search request: typed criteria (src/fhir/search/criteria.ts) the store turns into SQL. */
export interface ParsedSearch {
  /** The type searched, or `*` for a system-level search (over `types`). */
  resourceType: string;
  /** System-level search only: the types of `_type` (absent: every type). */
  types?: string[];
  criteria: Criterion[];
  count: number;
  sort: SortKey[];
  include: IncludeSpec[];
  revinclude: IncludeSpec[];
  summary?: 'count' | 'true' | 'text' | 'data' | 'false';
  elements?: string[];
  total?: 'none' | 'estimate' | 'accurate';
  /** Paging cursor given back by the store in `next`/`previous` links (opaque `_cursor` parameter). */
  cursor?: string;
  /**
   * Other resource types the criteria read through chains and `_has` (absent when none): access
   * control checks the client may search each of them.
   */
  related?: string[];
  /** Parameters ignored (unknown or unsupported), reported as warnings in lenient mode. */
  ignored: { name: string; reason: string }[];
  /** The request's own search parameters, normalised, for the `self` link and paging links. */
  selfParams: [string, string][];
}

export interface ParseOptions {
  strict: boolean;
  defaultCount: number;
  maxCount: number;
}

/** What src/fhir/search exports (implemented in src/fhir/search/index.ts). */
export interface SearchModule {
  /** Every search parameter applicable to the type (from the official R4 definitions, plus _id/_lastUpdated handled natively). */
  searchParamsOf(resourceType: string): SearchParamDef[];
  getSearchParam(resourceType: string, code: string): SearchParamDef | undefined;
  /** Index rows for a resource (every parameter of its type). Pure. */
  extractIndexRows(resource: { resourceType: string } & Record<string, unknown>): IndexRows;
  /**
   * Parse query parameters (as received, repeated names kept in order). Throws OutcomeError 400 on a
   * value of the wrong form; unknown parameters go to `ignored`, or throw 400 when strict.
   */
  parseSearch(resourceType: string, params: [string, string][], options: ParseOptions): ParsedSearch;
}
