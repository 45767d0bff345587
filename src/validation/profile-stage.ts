/**
 * The profile validator as a stage of the validator chain (types.ts). The chain's context merges
 * explicitly requested profiles with meta.profile; the validator tells them apart (an unknown
 * explicit profile is an error, an unknown foreign meta.profile only a warning), so the merged list
 * is split back here.
 */
import { createProfileValidator, type ProfileValidator, type ProfileValidatorOptions } from './profile-validator';
import type { ValidationStage } from './types';

export function createProfileStage(options: ProfileValidatorOptions | ProfileValidator = {}): ValidationStage {
  const validator = 'validate' in options ? options : createProfileValidator(options);
  return {
    name: 'profile',
    level: 'profile',
    validate(resource, ctx) {
      const meta = resource.meta as { profile?: unknown } | undefined;
      const claimed = new Set(Array.isArray(meta?.profile) ? meta.profile : []);
      return validator.validate(resource, { profiles: ctx.profiles.filter((p) => !claimed.has(p)) });
    },
  };
}
