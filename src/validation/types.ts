/**
 * The validator chain's contract. A stage is a pure function of the resource (plus shared context)
 * returning OperationOutcome issues; createValidator (index.ts) runs the stages in order. The profile
 * stage (StructureDefinition-driven: base cardinality, bindings, our PRSS profiles) plugs in here.
 */
import type { OperationOutcomeIssue } from 'fhir/r4';

export type Issue = OperationOutcomeIssue;

/** 'structure': JSON schema, primitives, base invariants. 'profile': also the profile stage. */
export type ValidationLevel = 'structure' | 'profile';

export interface ValidateOptions {
  /** Profile canonical URLs to validate against in addition to the resource's meta.profile. */
  profiles?: string[];
  level?: ValidationLevel;
}

/** What every stage sees about the current validation call. */
export interface ValidationContext {
  /** The resource's own type, already checked to be a known R4 resource type. */
  resourceType: string;
  profiles: string[];
  level: ValidationLevel;
}

export interface ValidationStage {
  /** Short name, used in timings and logs ('structure', 'primitives', 'invariants', 'profile'). */
  name: string;
  /** Stages run at this level and above (default 'structure': always). */
  level?: ValidationLevel;
  validate(resource: Record<string, unknown>, ctx: ValidationContext): Issue[];
}

export interface Validator {
  validate(resource: unknown, opts?: ValidateOptions): Issue[];
}
