/** The framework-free FHIR core: a FhirRequest in, a FhirResponse out. Only src/http knows Express. */
import type { OperationOutcomeIssue } from 'fhir/r4';
import type { Config } from '../config';
import type { Repository, Resource } from '../store/repository';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Prefer {
  return?: 'minimal' | 'representation' | 'OperationOutcome';
  handling?: 'strict' | 'lenient';
  respondAsync?: boolean;
}

/** Who is calling (SMART Backend Services); absent when AUTH=off. */
export interface AuthContext {
  clientId: string;
  role: 'ehr' | 'payer' | 'warehouse' | 'admin';
  /** `Organization/<id>` the client acts for. */
  organization?: string;
  /** Granted SMART scopes, v2 form (`system/CarePlan.rs`). */
  scopes: string[];
}

/**
 * Access control, implemented by src/auth: every interaction asks it. Search and export add its SQL
 * conditions to their own, so neither counts nor includes leak another organization's data.
 */
export interface AccessPolicy {
  /** Throws 403 (OperationOutcome) when the client may not do this interaction on this type at all. */
  assertAllowed(auth: AuthContext | undefined, interaction: 'read' | 'search' | 'create' | 'update' | 'delete' | 'operation' | 'export', type?: string): void;
  /** Throws 403 when the client may not see or write this resource (tenancy). */
  assertResource(auth: AuthContext | undefined, resource: { resourceType: string; id?: string } & Record<string, unknown>, repo: Repository): Promise<void>;
  /** SQL conditions over alias `r` (resource table) limiting rows to what the client may see; [] = everything. */
  searchFilter(auth: AuthContext | undefined, type: string, p: import('../store/sql').SqlParams, alias: string): string[];
}

export interface FhirRequest {
  method: HttpMethod;
  /** Path below the base, starting with '/', e.g. `/Patient/123/_history/2`. */
  path: string;
  /** Query parameters in order, names repeated as given. */
  query: [string, string][];
  headers: {
    ifMatch?: string;
    ifNoneMatch?: string;
    ifNoneExist?: string;
    ifModifiedSince?: string;
    contentType?: string;
    /** The Accept header (a Binary is answered in its own content type unless FHIR JSON is asked for). */
    accept?: string;
  };
  prefer: Prefer;
  /** Parsed JSON body. */
  body?: unknown;
  /** Base URL for links, Location and fullUrls (no trailing slash). */
  baseUrl: string;
  requestId: string;
  auth?: AuthContext;
}

export interface FhirResponse {
  status: number;
  /** A resource to serialise, or `json`: an already serialised resource (reads skip a parse/stringify). */
  resource?: Resource;
  json?: string;
  /** Raw bytes in their own content type (a Binary read with an Accept other than FHIR JSON). */
  raw?: { contentType: string; data: Buffer };
  headers: Record<string, string>;
}

export interface ResourceValidator {
  /** Base structure: the official JSON schema, primitives and base invariants. */
  structure(resource: unknown): OperationOutcomeIssue[];
  /** Conformance to the profiles named in meta.profile (and `profiles`); unknown explicit profiles are errors. */
  profile(resource: Resource, profiles?: string[]): OperationOutcomeIssue[];
}

/**
 * Checks Claims against the PRSS rules when they are written (wired by the rule engine). In a
 * transaction Bundle, `later` names the claims of the entries after this one (ids): stored with it,
 * they do not count toward its limits (claims count in bundle order).
 */
export type ClaimWriteCheck = (claim: Resource, repo: Repository, options?: { later?: string[] }) => Promise<OperationOutcomeIssue[]>;

export interface FhirDeps {
  repo: Repository;
  config: Config;
  validator: ResourceValidator;
  claimCheck?: ClaimWriteCheck;
  /** Types served read-only (conformance resources loaded from profiles/). */
  readOnlyTypes: Set<string>;
  /** Access control; absent = no restrictions (AUTH=off on loopback). */
  access?: AccessPolicy;
}

export interface HandlerContext {
  req: FhirRequest;
  deps: FhirDeps;
  params: Record<string, string>;
}

export type Handler = (ctx: HandlerContext) => Promise<FhirResponse>;
