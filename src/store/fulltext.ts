/**
 * The text `_content` and `_text` search over, as SQL expressions on a `resource` row. Migration 5
 * indexes exactly these expressions (GIN), so a search written with them is served by the index:
 * the planner matches an expression index only on identical text.
 *
 * - content: every string value of the resource (keys, numbers and booleans left out);
 * - narrative: the XHTML of `text.div` (the parser drops tags, keeps their text).
 * English stemming: `walking` finds `walked`.
 */
export const FULLTEXT_CONFIG = 'english';

const content = (alias?: string) => (alias ? `${alias}.content` : 'content');

/** Over `alias.content`, or the bare column (the index definition). */
export const contentTsvector = (alias?: string) => `jsonb_to_tsvector('${FULLTEXT_CONFIG}'::regconfig, ${content(alias)}::jsonb, '["string"]'::jsonb)`;

export const narrativeTsvector = (alias?: string) => `to_tsvector('${FULLTEXT_CONFIG}'::regconfig, coalesce(${content(alias)}::jsonb #>> '{text,div}', ''))`;

/** The query side: web-search syntax (`"a phrase"`, `or`, `-word`). */
export const tsquery = (param: string) => `websearch_to_tsquery('${FULLTEXT_CONFIG}'::regconfig, ${param})`;
