/**
 * FHIR R4 search: parameter definitions (official R4 SearchParameter bundle), index extraction and
 * request parsing into typed criteria. The SQL for them lives in the store (src/store/postgres/).
 */
import { getSearchParam, searchParamsOf } from './definitions';
import { extractIndexRows } from './extract';
import { parseSearch } from './parse';
import type { SearchModule } from './types';

export { getSearchParam, isIndexed, isResourceType, resourceTypes, searchParamsOf } from './definitions';
export { extractIndexRows, normalizeString } from './extract';
export { parseSearch, parseSystemSearch } from './parse';
export { parseReference } from './references';
export type {
  IncludeSpec, IndexRows, ParsedSearch, ParseOptions, SearchModule, SearchParamDef, SearchParamType, SortKey,
} from './types';

export const search: SearchModule = { searchParamsOf, getSearchParam, extractIndexRows, parseSearch };
