/**
 * FHIR R4 search: parameter definitions (official R4 SearchParameter bundle), index extraction,
 * request parsing and the SQL the store composes into its queries.
 */
import { criteriaSql, sortSql } from './criteria-sql';
import { getSearchParam, searchParamsOf } from './definitions';
import { extractIndexRows } from './extract';
import { parseSearch } from './parse';
import type { SearchModule } from './types';

export { criteriaSql, sortSql } from './criteria-sql';
export { getSearchParam, isIndexed, isResourceType, resourceTypes, searchParamsOf } from './definitions';
export { extractIndexRows, normalizeString } from './extract';
export { parseSearch, parseSystemSearch } from './parse';
export { parseReference } from './references';
export type {
  IncludeSpec, IndexRows, ParsedSearch, ParseOptions, SearchModule, SearchParamDef, SearchParamType, SortExpression, SortKey,
} from './types';

export const search: SearchModule = { searchParamsOf, getSearchParam, extractIndexRows, parseSearch, criteriaSql, sortSql };
