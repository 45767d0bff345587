/**
 * The production assembly: the validator chain (structure, then our profiles), the PRSS rule check
 * on Claim writes, demo data, and the app. main.ts and the whole-app tests both build through here.
 */
import type { Claim, FhirResource } from 'fhir/r4';
import { hasErrors, unprocessable } from './outcomes';
import { checkClaim, ruleOptionsFrom } from './rules/service';
import { setContextCacheLimit } from './rules/context-cache';
import { createApp, conformanceResources, type App } from './app';
import type { Config } from './config';
import type { FhirDeps, ResourceValidator } from './fhir/types';
import type { Logger } from './http/logger';
import type { Store } from './store';
import { createValidator } from './validation';
import { createProfileValidator } from './validation/profile-validator';

let shared: ResourceValidator | undefined;

/** Structure (schema, primitives, base invariants) and conformance (base definitions and our profiles), compiled once per process. */
export function resourceValidator(): ResourceValidator {
  if (shared) return shared;
  const structural = createValidator({ level: 'structure' });
  const profiles = createProfileValidator({ extraDefinitions: conformanceResources() as FhirResource[] });
  shared = {
    structure: (resource) => structural.validate(resource, { level: 'structure' }),
    profile: (resource, extra) => profiles.validate(resource, { profiles: extra }),
  };
  return shared;
}

export interface ServerOptions {
  config: Config;
  logger?: Logger;
  store?: Store;
  claimCheck?: FhirDeps['claimCheck'];
  demo?: () => { resourceType: 'Bundle' };
}

export async function buildServer(options: ServerOptions): Promise<App> {
  setContextCacheLimit(options.config.RULE_CONTEXT_CACHE);
  return createApp({ claimCheck: claimWriteCheck(options.config), ...options, validator: resourceValidator() });
}

/** Claims written by REST or in Bundles are checked against their policy pack; CLAIM_RULES=enforce makes errors a 422. */
export function claimWriteCheck(config: Config): FhirDeps['claimCheck'] {
  if (config.CLAIM_RULES === 'off') return undefined;
  const ruleOptions = ruleOptionsFrom(config);
  return async (claim, repo, options) => {
    const check = await checkClaim(repo, claim as Claim, { ruleOptions, notCounted: options?.later });
    if (config.CLAIM_RULES === 'enforce' && hasErrors(check.issues)) throw unprocessable(check.issues);
    return check.issues;
  };
}
