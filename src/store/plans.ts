/**
 * Plans of the hot statements (src/store/hot-queries.ts): EXPLAIN them as the server runs them, find
 * sequential scans of large tables, and summarise a plan's shape in one line. Used by the plan test
 * (test/hot-query-plans.postgres.test.ts) and the bench, which prints each hot query's shape once.
 */
import { escapeLiteral } from 'pg';
import type { ParsedSearch } from '../fhir/search/types';
import { ANALYZED_TABLES } from './auto-analyze';
import {
  changeRefsStatement, changesStatement, exportPageStatement, readManyStatement, readStatement, referencingStatement, vreadStatement, type Statement,
} from './hot-queries';
import type { PostgresRepository } from './postgres-repository';
import { SqlParams, type SqlClient } from './sql';

const LARGE = new Set<string>(ANALYZED_TABLES);

type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] };

/** The representative values the hot statements are built with (keys as `Type/id`). */
export interface HotSample {
  /** A stored resource: read, vread (version 1), its references in the change feed. */
  resource: string;
  /** Searches as the server parses them. */
  searches: [string, ParsedSearch][];
  /** The rule gather: a member, what it reads of them, a PRS role and a window of its caseload. */
  member: string;
  memberReads: string[];
  memberTypes: string[];
  prsRole: string;
  window: { from: string; to: string };
  /** A type to export one page of. */
  exportType: string;
  exportPageSize: number;
}

/** The hot statements, named, with the sample's values (rids and txids are looked up). */
export async function hotStatements(db: SqlClient, repo: PostgresRepository, s: HotSample): Promise<[string, Statement][]> {
  const [type, id] = s.resource.split('/');
  const [{ rid }] = await db.query<{ rid: number }>('SELECT rid FROM resource WHERE type = $1 AND id = $2', [type, id]);
  const [{ txid }] = await db.query<{ txid: string }>('SELECT max(txid)::text AS txid FROM resource_version');
  // The export worker's filter for a type with no _since and no _typeFilter.
  const p = new SqlParams();
  const where = `r.type = ${p.add(s.exportType)} AND NOT r.deleted AND r.last_updated <= ${p.add(new Date().toISOString())}::timestamptz`;
  return [
    ['read', readStatement(type, id)],
    ['vread', vreadStatement(type, id, 1)],
    ...s.searches.map(([name, search]): [string, Statement] => [`search ${name}`, repo.searchStatement(search).statement]),
    ['gather: readMany', readManyStatement(s.memberReads)],
    ['gather: referencing a member', referencingStatement([s.member], s.memberTypes)],
    ['gather: a PRS caseload in a window', referencingStatement([s.prsRole], ['Encounter'], s.window)],
    ['change feed poll', changesStatement(txid, 1000)],
    ['change feed references', changeRefsStatement([rid, rid + 1, rid + 2])],
    ['export page', exportPageStatement(s.exportType, where, p, s.exportPageSize)(rid - 1)],
  ];
}

function literal(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (Array.isArray(v)) return escapeLiteral(`{${v.map((x) => `"${String(x).replace(/["\\]/g, '\\$&')}"`).join(',')}}`);
  return escapeLiteral(String(v));
}

let prepared = 0;

/**
 * The JSON plan of a statement. `custom`: planned with its values, as an unnamed statement is.
 * `generic`: the plan a prepared statement (a `name`d one) settles on after a few calls, for any values.
 */
export async function explain(db: SqlClient, q: Statement, mode: 'custom' | 'generic' = 'custom'): Promise<PlanNode> {
  const rows = mode === 'custom'
    ? await db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${q.text}`, q.params)
    : await db.transaction(async (tx) => {
      // Prepared statements outlive a rolled-back transaction: a name of its own each time.
      const name = `prss_plan_${process.pid}_${++prepared}`;
      await tx.query('SET LOCAL plan_cache_mode = force_generic_plan');
      await tx.query(`PREPARE ${name} AS ${q.text}`);
      try {
        const [{ types }] = await tx.query<{ types: string }>('SELECT parameter_types::text AS types FROM pg_prepared_statements WHERE name = $1', [name]);
        const argTypes = types.replace(/^\{|\}$/g, '').split(',').filter(Boolean).map((x) => x.replace(/"/g, ''));
        // EXECUTE's arguments cannot be bound: written as literals of the statement's parameter types.
        const args = q.params.map((v, i) => `${literal(v)}::${argTypes[i]}`).join(', ');
        return await tx.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) EXECUTE ${name}${args ? `(${args})` : ''}`);
      } finally {
        await tx.query(`DEALLOCATE ${name}`).catch(() => undefined);
      }
    });
  const raw = rows[0]['QUERY PLAN'];
  const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[];
  return plan[0].Plan;
}

/** Sequential scans of the resource, history and index tables anywhere in a plan. */
export function seqScans(plan: PlanNode): string[] {
  const found: string[] = [];
  const walk = (node: PlanNode) => {
    if (node['Node Type'] === 'Seq Scan' && LARGE.has(String(node['Relation Name']))) found.push(String(node['Relation Name']));
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(plan);
  return found;
}

/** One line: the scans of the plan in order, e.g. `Index Scan resource_type_id_key > Index Scan resource_version_pkey`. */
export function planShape(plan: PlanNode): string {
  const parts: string[] = [];
  const walk = (node: PlanNode) => {
    const type = String(node['Node Type']);
    if (/Scan/.test(type)) parts.push(`${type} ${String(node['Index Name'] ?? node['Relation Name'] ?? node['Function Name'] ?? '')}`.trim());
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(plan);
  return `${String(plan['Node Type'])}: ${parts.join(' > ')}`;
}
