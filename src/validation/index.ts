/**
 * The validator chain: structure (official JSON schema) → primitives (R4 value formats and JSON
 * representation rules) → invariants (base FHIRPath constraints) → later, the profile stage
 * (StructureDefinition-driven, level 'profile'), passed in as an extra stage.
 *
 * A body that is not a resource gets one issue; when the structure stage finds the JSON shape
 * broken (unknown elements, wrong JSON types), the later stages are skipped: they would only
 * report noise about data the schema already rejected.
 */
import { hasErrors } from '../outcomes';
import { invariantsStage, type InvariantOptions } from './invariants';
import { primitivesStage } from './primitives';
import { breaksShape, checkEnvelope, structureStage } from './structure';
import type { Issue, ValidateOptions, ValidationContext, ValidationStage, Validator } from './types';

export type { Issue, ValidateOptions, ValidationContext, ValidationLevel, ValidationStage, Validator } from './types';
export { checkEnvelope, isKnownResourceType, pointerToExpression } from './structure';
export { checkPrimitive } from './primitives';
export { getFhirModel } from './primitives-model';

export interface ValidatorOptions {
  /** Stages after the built-in ones (e.g. the profile stage with level 'profile'). */
  stages?: ValidationStage[];
  /** Default level when validate() is not given one. Default 'profile' (every stage). */
  level?: ValidateOptions['level'];
  invariants?: InvariantOptions;
}

/** Issues are the same problem when they agree on severity, code, location and (for most codes) text. */
function issueKey(i: Issue): string {
  const where = (i.expression ?? []).join(',');
  // Missing/structural findings from two stages about one element are one problem whatever the wording.
  const text = i.code === 'required' || i.code === 'value' || i.code === 'structure' ? '' : (i.diagnostics ?? '');
  return `${i.severity}|${i.code}|${where}|${text}`;
}

export function dedupeIssues(issues: Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = issueKey(i);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const rank = { structure: 0, profile: 1 } as const;

export function createValidator(options: ValidatorOptions = {}): Validator {
  const stages: ValidationStage[] = [structureStage, primitivesStage, invariantsStage(options.invariants), ...(options.stages ?? [])];
  const defaultLevel = options.level ?? 'profile';
  return {
    validate(resource: unknown, opts: ValidateOptions = {}): Issue[] {
      const envelope = checkEnvelope(resource);
      if (envelope.length) return envelope;
      const body = resource as Record<string, unknown>;
      const level = opts.level ?? defaultLevel;
      const metaProfiles = ((body.meta as { profile?: unknown } | undefined)?.profile ?? []) as unknown[];
      const ctx: ValidationContext = {
        resourceType: body.resourceType as string,
        level,
        profiles: [...new Set([...(opts.profiles ?? []), ...metaProfiles.filter((p): p is string => typeof p === 'string')])],
      };
      const issues: Issue[] = [];
      for (const stage of stages) {
        if (rank[stage.level ?? 'structure'] > rank[level]) continue;
        const found = stage.validate(body, ctx);
        issues.push(...found);
        if (stage === structureStage && found.some(breaksShape)) break;
      }
      return dedupeIssues(issues);
    },
  };
}

/** Loads the generated schema validators and the element model now rather than on the first request. */
export function warmUpValidation(): void {
  createValidator().validate({ resourceType: 'Patient', id: 'warm-up' });
}

export { hasErrors };
