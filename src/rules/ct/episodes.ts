/**
 * Other services that limit Connecticut waiver peer support (EpisodeOfCare typed from `other-service`),
 * and the member's first waiver peer support session that the 30-day transitions count from.
 */
import type { EpisodeOfCare } from 'fhir/r4';
import { CS } from '../../prss/terminology';
import { refKey, type RuleContext } from '../context';
import type { Finding } from '../engine';
import { addDays, codeIn, dayOf, encounterKind, memberLines, periodCovers, sessionDay, sessionsOf } from '../facts';
import { dateExpression } from '../va/facts-staff';
import { datedLines } from '../common/lines';

export type OtherService = 'act' | 'csp' | 'residential' | 'supported-employment';

/** The member's episodes of the given services covering the day (entered-in-error and cancelled never count). */
export function episodesOn(ctx: RuleContext, types: OtherService[], day: string): EpisodeOfCare[] {
  return ctx.data.all<EpisodeOfCare>('EpisodeOfCare').filter((e) =>
    refKey(e.patient) === refKey(ctx.claim.patient) &&
    e.status !== 'entered-in-error' && e.status !== 'cancelled' &&
    types.includes(codeIn(e.type, CS.otherService) as OtherService) &&
    periodCovers(e.period, day));
}

/** First waiver peer support session: the earliest finished session of the member, or billed date. */
export function firstWaiverSession(ctx: RuleContext): string | undefined {
  const days = [
    ...sessionsOf(ctx).filter((e) => encounterKind(e) === 'session' && e.status === 'finished').map(sessionDay),
    ...memberLines(ctx).filter((l) => ctx.options.ctCodes.includes(l.code ?? '')).map((l) => l.day),
  ].filter((d): d is string => !!d);
  return days.sort()[0];
}

export const TRANSITION_DAYS = 30;

/**
 * The 30-day transition: from the member's first waiver peer support session through the 30th day
 * after it (inclusive). Undefined when the member has no waiver session on file or billed.
 */
export function transitionWindow(ctx: RuleContext): { first: string; end: string } | undefined {
  const first = firstWaiverSession(ctx);
  return first ? { first, end: addDays(first, TRANSITION_DAYS) } : undefined;
}

/**
 * Lines dated inside an episode of the given services, except during the transition (reading):
 * dates within 30 days of the member's first waiver peer support session are allowed whatever the
 * other episode's end; later dates inside an episode are not.
 */
export function concurrencyFindings(ctx: RuleContext, types: OtherService[], label: string): Finding[] {
  const window = transitionWindow(ctx);
  return datedLines(ctx).flatMap((line) => {
    if (window && window.first <= line.day && line.day <= window.end) return [];
    const blocking = episodesOn(ctx, types, line.day)[0];
    if (!blocking) return [];
    const type = codeIn(blocking.type, CS.otherService)?.toUpperCase();
    const span = `${dayOf(blocking.period?.start) ?? 'open'} to ${dayOf(blocking.period?.end) ?? 'open'}`;
    const transition = window
      ? `after the ${TRANSITION_DAYS}-day transition, which ended on ${window.end} (${TRANSITION_DAYS} days after the first waiver peer support session on ${window.first})`
      : 'and no waiver peer support session is on file to start a transition';
    return [{
      diagnostics: `${line.day} (line ${line.index + 1}) falls inside the member's ${label} episode ${type} (EpisodeOfCare/${blocking.id}, ${span}), ${transition}.`,
      expression: dateExpression(line),
      item: line.index,
    }];
  });
}
