/**
 * The parsed form of search criteria: what parseSearch produces and criteriaSql consumes. Opaque
 * to the store (ParsedSearch.criteria is `unknown[]`), plain data so a parsed search can be copied.
 */
import type { DateRange } from './dates';

/** The search prefixes, and `po` (overlaps), which only `_filter` writes (on dates). */
export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap' | 'po';
export const PREFIXES: readonly Prefix[] = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'];

export interface DateValue {
  prefix: Prefix;
  range: DateRange;
}

/** A decimal as written (exact, passed to SQL as numeric text) and the half-width of its precision. */
export interface NumberValue {
  prefix: Prefix;
  value: string;
  /** Half a unit of the last significant digit, e.g. `100` → `5e-1`, `1.50` → `5e-3`. */
  halfUnit: string;
}

export interface QuantityValue extends NumberValue {
  system?: string;
  /** Matched against the code, or the unit when the quantity has no code. */
  code?: string;
}

export interface TokenValue {
  /** undefined: any system; null: no system (`|code`). */
  system?: string | null;
  code?: string;
}

export interface ReferenceValue {
  targetType?: string;
  targetId?: string;
  url?: string;
}

export type Criterion =
  | { kind: 'id'; values: string[]; not: boolean }
  | { kind: 'lastUpdated'; values: DateValue[] }
  | { kind: 'always'; value: boolean }
  | { kind: 'missing'; param: string; table: IndexTable; missing: boolean }
  | { kind: 'token'; param: string; values: TokenValue[]; not: boolean }
  | { kind: 'token-text'; param: string; values: string[] }
  | { kind: 'string'; param: string; values: string[]; mode: 'starts' | 'exact' | 'contains' | 'text' | 'equals' | 'ends' }
  | { kind: 'date'; param: string; values: DateValue[] }
  | { kind: 'number'; param: string; values: NumberValue[] }
  | { kind: 'quantity'; param: string; values: QuantityValue[] }
  | { kind: 'reference'; param: string; values: ReferenceValue[] }
  | { kind: 'uri'; param: string; values: string[]; mode: 'eq' | 'below' | 'above' }
  /**
   * A chained parameter (`patient.name=x`, `subject:Patient.identifier=x`): resources whose
   * reference `param` points at a live resource matching the criteria of its branch. Target types
   * that read the chained parameter alike share one branch.
   */
  | { kind: 'chain'; param: string; branches: ChainBranch[] }
  /**
   * A composite (`code-value-quantity=system|code$gt100`): per value (ORed), one element whose
   * components each match their part; `parts[i]` is a one-value criterion on the rows `param#i`.
   */
  | { kind: 'composite'; param: string; table: IndexTable; values: Criterion[][] }
  /** `_content` (every string of the resource) or `_text` (its narrative): full-text, comma values ORed. */
  | { kind: 'fulltext'; of: 'content' | 'narrative'; values: string[] }
  /** `_filter`'s logic over the same criteria. */
  | { kind: 'and' | 'or'; items: Criterion[] }
  | { kind: 'not'; item: Criterion }
  /** Reverse chaining (`_has:Claim:patient:status=x`): a live `type` whose reference `param` points here and matches `criteria`. */
  | { kind: 'has'; type: string; param: string; criteria: Criterion[] };

export interface ChainBranch {
  types: string[];
  criteria: Criterion[];
}

export type IndexTable = 'sp_token' | 'sp_string' | 'sp_date' | 'sp_number' | 'sp_quantity' | 'sp_reference' | 'sp_uri';

export const TABLE_OF: Record<string, IndexTable> = {
  token: 'sp_token',
  string: 'sp_string',
  date: 'sp_date',
  number: 'sp_number',
  quantity: 'sp_quantity',
  reference: 'sp_reference',
  uri: 'sp_uri',
};
