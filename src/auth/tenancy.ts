/**
 * Tenancy as SQL over the search index tables, so that reads, searches, counts, includes, exports
 * and writes all apply one definition and nothing is filtered after paging. The organization's
 * sets (its roles, the members it serves, a payer's coverages and claims) come from the SQL
 * functions of migration 3; changing a rule here may mean a migration that replaces them.
 *
 * - ehr: the members its organization serves: a session it provides (Encounter.serviceProvider, or a
 *   participant PractitionerRole of the organization), a plan whose author is the organization or
 *   one of its roles, or a claim it is the provider of. It sees those Patients, every resource whose
 *   referenced Patients are all such members, and records that name no Patient: the directory
 *   (Organization, Practitioner, PractitionerRole, Location…) and records naming the organization
 *   or its roles (supervision meetings).
 * - payer: Patients with a Coverage whose payor is the organization, those Coverages, the Claims
 *   that name one of them (or the organization as insurer), their ClaimResponses, and the directory.
 * - warehouse, admin: everything (AuditEvent: admin only).
 */
import type { SqlParams } from '../store/sql';

export const CONFORMANCE = ['StructureDefinition', 'CodeSystem', 'ValueSet', 'OperationDefinition', 'SearchParameter'];
export const DIRECTORY = ['Organization', 'Practitioner', 'PractitionerRole', 'Location', 'HealthcareService', 'Endpoint', ...CONFORMANCE];

const list = (xs: string[]) => xs.map((x) => `'${x}'`).join(', ');
export const orgIdOf = (organization: string) => organization.replace(/^Organization\//, '');

/** Where the rows describing the resource itself come from: the index tables, or virtual ones for a resource not stored yet. */
export interface RowSource {
  /** A table of (rid, type, target_type, target_id): the row's literal references. */
  refs: string;
  /** A table of (rid, type, param, target_type, target_id): the row's reference search parameters. */
  sp: string;
}
const STORED: RowSource = { refs: 'resource_ref', sp: 'sp_reference' };

/** The organization's sets, computed by the SQL functions of migration 3 (once per query each). */
function ehrParts(org: string, p: SqlParams) {
  const o = p.add(org);
  return { o, roles: `(SELECT prss_org_roles(${o}))`, served: `(SELECT prss_ehr_members(${o}))` };
}

function ehrCondition(org: string, p: SqlParams, a: string, mode: 'read' | 'write', src: RowSource): string {
  const { o, roles, served } = ehrParts(org, p);
  const patientRef = (extra = '') => `EXISTS (SELECT 1 FROM ${src.refs} y WHERE y.rid = ${a}.rid AND y.target_type = 'Patient'${extra})`;
  const ownRef = `EXISTS (SELECT 1 FROM ${src.refs} y WHERE y.rid = ${a}.rid AND ((y.target_type = 'Organization' AND y.target_id = ${o}) OR (y.target_type = 'PractitionerRole' AND y.target_id IN ${roles})))`;
  const memberData = `NOT ${patientRef(` AND y.target_id NOT IN ${served}`)}`;
  if (mode === 'read') {
    return `(${a}.type <> 'AuditEvent' AND CASE
      WHEN ${a}.type = 'Patient' THEN ${a}.id IN ${served}
      WHEN ${patientRef()} THEN ${memberData}
      ELSE (${a}.type IN (${list(DIRECTORY)}) OR ${ownRef}) END)`;
  }
  const ownClaim = `EXISTS (SELECT 1 FROM ${src.sp} t WHERE t.rid = ${a}.rid AND t.param = 'provider' AND t.target_type = 'Organization' AND t.target_id = ${o})`;
  const otherOrgRole = `EXISTS (SELECT 1 FROM sp_reference t JOIN sp_reference u ON u.rid = t.rid AND u.param = 'organization'
      WHERE t.type = 'PractitionerRole' AND t.param = 'practitioner' AND t.target_type = 'Practitioner' AND t.target_id = ${a}.id
        AND NOT (u.target_type = 'Organization' AND u.target_id = ${o}))`;
  return `(CASE
      WHEN ${a}.type IN (${list([...CONFORMANCE, 'AuditEvent'])}) THEN false
      WHEN ${a}.type = 'Patient' THEN ${a}.id IN ${served}
      WHEN ${patientRef()} THEN ${memberData} AND (${a}.type <> 'Claim' OR ${ownClaim})
      WHEN ${a}.type = 'Organization' THEN ${a}.id = ${o}
      WHEN ${a}.type = 'PractitionerRole' THEN EXISTS (SELECT 1 FROM ${src.sp} t WHERE t.rid = ${a}.rid AND t.param = 'organization' AND t.target_type = 'Organization' AND t.target_id = ${o})
      WHEN ${a}.type = 'Practitioner' THEN NOT ${otherOrgRole}
      ELSE ${ownRef} END)`;
}

function payerCondition(org: string, p: SqlParams, a: string, mode: 'read' | 'write', src: RowSource): string {
  const o = p.add(org);
  const coverageIds = `(SELECT prss_payer_coverages(${o}))`;
  const members = `(SELECT prss_payer_members(${o}))`;
  const claimIds = `(SELECT prss_payer_claims(${o}))`;
  const claim = `(EXISTS (SELECT 1 FROM ${src.refs} x WHERE x.rid = ${a}.rid AND x.target_type = 'Coverage' AND x.target_id IN ${coverageIds})
      OR EXISTS (SELECT 1 FROM ${src.sp} t WHERE t.rid = ${a}.rid AND t.param = 'insurer' AND t.target_type = 'Organization' AND t.target_id = ${o}))`;
  const response = `EXISTS (SELECT 1 FROM ${src.sp} t WHERE t.rid = ${a}.rid AND ((t.param = 'request' AND t.target_type = 'Claim' AND t.target_id IN ${claimIds}) OR (t.param = 'insurer' AND t.target_type = 'Organization' AND t.target_id = ${o})))`;
  if (mode === 'write') {
    return `(CASE ${a}.type WHEN 'Claim' THEN ${claim} WHEN 'ClaimResponse' THEN ${response} ELSE false END)`;
  }
  return `(CASE
      WHEN ${a}.type = 'Patient' THEN ${a}.id IN ${members}
      WHEN ${a}.type = 'Coverage' THEN EXISTS (SELECT 1 FROM ${src.sp} t WHERE t.rid = ${a}.rid AND t.param = 'payor' AND t.target_type = 'Organization' AND t.target_id = ${o})
      WHEN ${a}.type = 'Claim' THEN ${claim}
      WHEN ${a}.type = 'ClaimResponse' THEN ${response}
      WHEN ${a}.type IN (${list(['Organization', 'Practitioner', 'PractitionerRole', ...CONFORMANCE])}) THEN true
      ELSE false END)`;
}

/**
 * Of the Patient ids (SQL text[] parameter `ids`), those an ehr may not attach records to: members
 * another organization serves and this one does not. A member nobody serves yet (no session, plan
 * or claim names them) may be taken on; one served elsewhere only by an admin, so that writing a
 * session cannot be used to reach another organization's member data.
 */
export function unattachablePatientsSql(organization: string, p: SqlParams, ids: string): string {
  const { served } = ehrParts(orgIdOf(organization), p);
  return `SELECT x.id FROM unnest(${ids}::text[]) AS x(id)
    WHERE x.id NOT IN ${served}
      AND EXISTS (SELECT 1 FROM resource_ref y WHERE y.target_type = 'Patient' AND y.target_id = x.id AND y.type IN ('Encounter', 'CarePlan', 'Claim'))`;
}

export interface Tenant {
  role: 'ehr' | 'payer' | 'warehouse' | 'admin';
  organization?: string;
  clientId?: string;
}

/**
 * A Subscription is its owner's alone (subscription_state.owner, written by src/subscriptions): the
 * clients of the same organization, or the same client when it acts for none. Its endpoint headers
 * may hold the receiver's credentials.
 */
function subscriptionOwnerSql(t: Tenant, p: SqlParams, a: string): string {
  if (t.organization) return `EXISTS (SELECT 1 FROM subscription_state s WHERE s.id = ${a}.id AND s.owner->>'organization' = ${p.add(t.organization)})`;
  return `EXISTS (SELECT 1 FROM subscription_state s WHERE s.id = ${a}.id AND s.owner->>'organization' IS NULL AND s.owner->>'clientId' = ${p.add(t.clientId ?? '')})`;
}

/** Whether the role sees everything (then no SQL is added). AuditEvent is handled by the caller. */
export const unrestricted = (t: Tenant) => t.role === 'warehouse' || t.role === 'admin';

/**
 * One SQL boolean over alias `a` (a `resource` row): whether the tenant may read (or write) that row.
 * `subscriptions: false` when the row is known not to be a Subscription.
 */
export function tenancySql(t: Tenant, p: SqlParams, a: string, mode: 'read' | 'write', src: RowSource = STORED, options: { subscriptions?: boolean } = {}): string {
  if (t.role === 'admin') return 'true';
  let rest: string;
  if (t.role === 'warehouse') rest = mode === 'read' ? `${a}.type <> 'AuditEvent'` : 'false';
  else if (!t.organization) rest = 'false';
  else {
    const org = orgIdOf(t.organization);
    rest = t.role === 'ehr' ? ehrCondition(org, p, a, mode, src) : payerCondition(org, p, a, mode, src);
  }
  // Rows that cannot be Subscriptions (a search of another type) skip the owner check.
  if (options.subscriptions === false) return rest;
  return `(CASE WHEN ${a}.type = 'Subscription' THEN ${subscriptionOwnerSql(t, p, a)} ELSE ${rest} END)`;
}
