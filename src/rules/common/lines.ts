/**
 * The lines of the claim being checked, with the facts every line rule reads (date, code, units,
 * linked session). Shared by all packs; the facts themselves come from ../facts.ts.
 */
import type { ClaimItem, Encounter } from 'fhir/r4';
import type { RuleContext } from '../context';
import { lineCode, lineDay, lineEncounter, lineUnits, memo } from '../facts';

export const itemPath = (index: number, element?: string) => `Claim.item[${index}]${element ? `.${element}` : ''}`;

export interface ClaimLine {
  item: ClaimItem;
  index: number;
  day: string | undefined;
  code: string | undefined;
  units: number;
  encounter: Encounter | undefined;
}

/** Every line of the claim being checked, once per claim (rules read them; none changes them). */
export function claimLines(ctx: RuleContext): readonly ClaimLine[] {
  return memo(ctx, 'claimLines', () => Object.freeze((ctx.claim.item ?? []).map((item, index) => ({
    item, index, day: lineDay(item), code: lineCode(item), units: lineUnits(item), encounter: lineEncounter(ctx.data, item),
  }))));
}

/** A line with a date of service. */
export type DatedLine = ClaimLine & { day: string };
/** The lines of the claim being checked that carry a date of service (an undated line cannot be judged). */
export const datedLines = (ctx: RuleContext): readonly DatedLine[] =>
  memo(ctx, 'datedLines', () => Object.freeze(claimLines(ctx).filter((l): l is DatedLine => !!l.day)));

/** Lines whose linked session resolves (a dangling one is claim-references' finding). */
export const sessionLines = (ctx: RuleContext) =>
  claimLines(ctx).filter((l): l is ClaimLine & { encounter: Encounter } => !!l.encounter);
