/**
 * The access policy (FhirDeps.access): role and SMART scope checks per interaction, and tenancy
 * (src/auth/tenancy.ts) as SQL for searches, reads and writes.
 */
import { forbidden, unauthorized } from '../outcomes';
import type { AccessPolicy, AuthContext } from '../fhir/types';
import { search as searchModule } from '../fhir/search';
import { literalReferences } from '../store/postgres-repository';
import type { Repository, Resource } from '../store/repository';
import { SqlParams, type SqlClient } from '../store/sql';
import { parseScopes, scopesAllow, type Permission } from './scopes';
import { CONFORMANCE, orgIdOf, tenancySql, unattachablePatientsSql, unrestricted, type RowSource } from './tenancy';

export type Interaction = Parameters<AccessPolicy['assertAllowed']>[1];

const PERMISSION: Record<Interaction, Permission> = {
  read: 'r', search: 's', create: 'c', update: 'u', delete: 'd', operation: 'r', export: 'r',
};

/** What a payer reads (and, through Claim/$submit, writes). */
const PAYER_READ = new Set(['Patient', 'Coverage', 'Claim', 'ClaimResponse', 'Organization', 'Practitioner', 'PractitionerRole', 'Subscription', ...CONFORMANCE]);
const PAYER_WRITE = new Set(['Claim', 'ClaimResponse', 'Subscription']);
const WRITES = new Set<Interaction>(['create', 'update', 'delete']);

/** The SQL client behind a repository (bound to its transaction), for checks that must see uncommitted writes. */
export function sqlOf(repo: Repository): SqlClient {
  const sql = (repo as unknown as { sql?: SqlClient }).sql;
  if (!sql) throw new Error('access control needs a repository that exposes its SQL client');
  return sql;
}

export class TenancyPolicy implements AccessPolicy {
  assertAllowed(auth: AuthContext | undefined, interaction: Interaction, type?: string): void {
    if (!auth) throw unauthorized('This server requires a SMART Backend Services access token (Authorization: Bearer)');
    const what = `${interaction}${type ? ` on ${type}` : ''}`;
    if (type === 'AuditEvent') {
      if (WRITES.has(interaction)) throw forbidden('AuditEvent records are written by the server only');
      if (auth.role !== 'admin') throw forbidden(`Only admin clients may read AuditEvent records (client '${auth.clientId}' is ${auth.role})`);
    }
    const denied = () => forbidden(`A ${auth.role} client may not ${what}`);
    switch (auth.role) {
      case 'payer':
        if (interaction === 'export') throw denied();
        if (type && !(WRITES.has(interaction) ? PAYER_WRITE : PAYER_READ).has(type)) throw denied();
        if (interaction === 'delete' && type !== 'Subscription') throw denied();
        break;
      case 'warehouse':
        // A warehouse writes nothing but its own subscriptions.
        if (WRITES.has(interaction) && type !== 'Subscription') throw denied();
        break;
      case 'ehr':
        if (interaction === 'export') throw denied();
        break;
      case 'admin':
        break;
    }
    const permission = PERMISSION[interaction];
    if (!scopesAllow(parseScopes(auth.scopes), permission, type)) {
      throw forbidden(`The access token's scopes (${auth.scopes.join(' ') || 'none'}) do not allow ${what} (needs system/${type ?? '*'}.${permission})`);
    }
  }

  /**
   * Whether the client may see this resource. A stored resource (same id in the store) is judged as
   * stored; one that is not stored (a $validate body) by its own references.
   */
  async assertResource(auth: AuthContext | undefined, resource: { resourceType: string; id?: string } & Record<string, unknown>, repo: Repository): Promise<void> {
    if (!auth) throw unauthorized('This server requires a SMART Backend Services access token (Authorization: Bearer)');
    if (resource.resourceType === 'AuditEvent' ? auth.role === 'admin' : unrestricted(auth) && (auth.role === 'admin' || resource.resourceType !== 'Subscription')) return;
    const sql = sqlOf(repo);
    if (resource.id) {
      const p = new SqlParams();
      const rows = await sql.query<{ visible: boolean }>(
        `SELECT ${tenancySql(auth, p, 'r', 'read')} AS visible FROM resource r WHERE r.type = ${p.add(resource.resourceType)} AND r.id = ${p.add(resource.id)} AND NOT r.deleted`,
        p.values,
      );
      if (rows.length) {
        if (!rows[0].visible) throw forbidden(`${resource.resourceType}/${resource.id} is outside the data of ${auth.organization ?? auth.clientId}`);
        return;
      }
    }
    if (!(await this.unstoredAllowed(auth, resource as Resource, sql))) {
      throw forbidden(`This ${resource.resourceType} concerns members or organizations outside the data of ${auth.organization ?? auth.clientId}`);
    }
  }

  /** A resource not in the store, judged by its references with the write rules (the ones it would be stored under). */
  private async unstoredAllowed(auth: AuthContext, resource: Resource, sql: SqlClient): Promise<boolean> {
    const refs = literalReferences(resource).map((k) => k.split('/'));
    const index = searchModule.extractIndexRows(resource as Resource & Record<string, unknown>).reference.filter((r) => r.targetType && r.targetId);
    const org = auth.organization ? orgIdOf(auth.organization) : undefined;
    // A record an ehr is the provider of (a session, a claim) establishes the service itself.
    // A Patient not stored yet is a new member, as on create.
    if (auth.role === 'ehr' && resource.resourceType === 'Patient') return true;
    if (auth.role === 'ehr' && org && index.some((r) => ['provider', 'service-provider'].includes(r.param) && r.targetType === 'Organization' && r.targetId === org)) return true;
    const p = new SqlParams();
    const src: RowSource = {
      refs: `(SELECT -1::bigint AS rid, x.tt AS target_type, x.ti AS target_id FROM unnest(${p.add(refs.map((r) => r[0]))}::text[], ${p.add(refs.map((r) => r[1]))}::text[]) AS x(tt, ti))`,
      sp: `(SELECT -1::bigint AS rid, x.pp AS param, x.tt AS target_type, x.ti AS target_id FROM unnest(${p.add(index.map((r) => r.param))}::text[], ${p.add(index.map((r) => r.targetType))}::text[], ${p.add(index.map((r) => r.targetId))}::text[]) AS x(pp, tt, ti))`,
    };
    const row = `(SELECT -1::bigint AS rid, ${p.add(resource.resourceType)}::text AS type, ${p.add(resource.id ?? '')}::text AS id)`;
    const mode = auth.role === 'payer' && !PAYER_WRITE.has(resource.resourceType) ? 'read' : 'write';
    const rows = await sql.query<{ ok: boolean }>(`SELECT ${tenancySql(auth, p, 'v', mode, src)} AS ok FROM ${row} v`, p.values);
    return rows[0]?.ok === true;
  }

  searchFilter(auth: AuthContext | undefined, type: string, p: SqlParams, alias: string): string[] {
    if (!auth) return ['false'];
    if (type === 'AuditEvent') return auth.role === 'admin' ? [] : ['false'];
    if (auth.role === 'admin') return [];
    if (auth.role === 'warehouse') return type === 'Subscription' ? [tenancySql(auth, p, alias, 'read')] : [`${alias}.type <> 'AuditEvent'`];
    return [tenancySql(auth, p, alias, 'read', undefined, { subscriptions: type === 'Subscription' })];
  }

  /** Patient ids (of those given) the client may not attach records to; see unattachablePatientsSql. */
  async unattachablePatients(auth: AuthContext, ids: string[], sql: SqlClient): Promise<string[]> {
    if (auth.role !== 'ehr' || !auth.organization || ids.length === 0) return [];
    const p = new SqlParams();
    const list = p.add([...new Set(ids)]);
    const rows = await sql.query<{ id: string }>(unattachablePatientsSql(auth.organization, p, list), p.values);
    return rows.map((r) => r.id);
  }

  /** The rows (alias) the client may write; [] = any. */
  writeFilter(auth: AuthContext, p: SqlParams, alias: string): string[] {
    if (auth.role === 'admin') return [];
    return [tenancySql(auth, p, alias, 'write')];
  }
}
