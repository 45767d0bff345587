/** In a month without face-to-face contact, telephone billing needs 2 failed face-to-face attempts and is capped at 2 contacts and 2 units. */
import type { Encounter } from 'fhir/r4';
import { defineRule, type Finding } from '../engine';
import { contactMode, encounterKind, isFaceToFace, notesFor, sessionDay, sessionsOf, type BilledLine } from '../facts';
import { billedLines, countsBefore, isServiceSession, itemPath, monthOf, sumUnits } from './facts-units';

export const PHONE_CAP = 2;

const isPhoneSession = (e: Encounter | undefined) => !!e && encounterKind(e) === 'session' && contactMode(e) === 'telephone';

export const vaFailedContactPhoneCap = defineRule({
  id: 'va-failed-contact-phone-cap',
  severity: 'error',
  scope: 'history',
  pack: 'US-VA',
  description: 'In a calendar month with no face-to-face session, telephone billing is allowed only after ≥ 2 documented unsuccessful face-to-face attempts that month (an attempt is documented when a progress note names it), and then at most 2 telephone contacts and 2 units in the month.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Service Delivery',
    quote: 'In the absence of the required monthly face-to-face contact and if at least two unsuccessful attempts to make face-to-face contact have been tried and documented, the provider may bill for a maximum of two telephone contacts in that specified month, not to exceed two units.',
    note: 'A month "has" face-to-face contact when any finished in-person or video session of the member falls in it. Attempts count when they are contact-attempt encounters (not by telephone, not entered in error) dated in the month on or before the telephone line\'s date. Reading of "tried and documented" (Progress Notes: "the progress note shall reflect attempts to contact the member"): an attempt is documented when a progress note (DocumentReference not entered in error) names it in `context.encounter`; an attempt no note names does not count. Contacts and units are those of billed telephone lines.',
  },
  check(ctx) {
    const findings: Finding[] = [];
    const sessions = sessionsOf(ctx);
    const lines = billedLines(ctx);
    for (const line of lines) {
      if (!line.current || !isPhoneSession(line.encounter)) continue;
      const month = monthOf(line.day);
      const inMonth = (e: Encounter) => { const d = sessionDay(e); return !!d && monthOf(d) === month; };
      if (sessions.some((s) => isServiceSession(s) && isFaceToFace(s) && inMonth(s))) continue;
      const tried = sessions.filter((s) => encounterKind(s) === 'contact-attempt' && s.status !== 'entered-in-error' && contactMode(s) !== 'telephone' && inMonth(s) && sessionDay(s)! <= line.day);
      const attempts = tried.filter((s) => notesFor(ctx.data, s).length > 0);
      if (attempts.length < 2) {
        const undocumented = tried.length - attempts.length;
        findings.push({
          diagnostics: `${month} has no face-to-face session and only ${attempts.length} documented unsuccessful face-to-face attempt(s) by ${line.day}${undocumented ? ` (${undocumented} more attempt(s) named by no progress note, so not documented)` : ''}; telephone billing needs at least 2`,
          expression: itemPath(line.index, 'encounter'),
          item: line.index,
          allowedUnits: 0,
        });
        continue;
      }
      const before = lines.filter((o: BilledLine) => o !== line && isPhoneSession(o.encounter) && monthOf(o.day) === month && countsBefore(o, line));
      const contacts = new Set(before.map((o) => o.encounter));
      if (!contacts.has(line.encounter) && contacts.size >= PHONE_CAP) {
        findings.push({
          diagnostics: `${month} has no face-to-face session and already ${contacts.size} billed telephone contacts; at most ${PHONE_CAP} may be billed in the month`,
          expression: itemPath(line.index, 'encounter'),
          item: line.index,
          allowedUnits: 0,
        });
        continue;
      }
      const used = sumUnits(before);
      const allowed = Math.max(0, PHONE_CAP - used);
      if (line.units > allowed) {
        findings.push({
          diagnostics: `${month} has no face-to-face session: telephone billing is capped at ${PHONE_CAP} units in the month; ${used} already billed, so ${allowed} of this line's ${line.units} units are allowed`,
          expression: itemPath(line.index, 'quantity'),
          item: line.index,
          allowedUnits: allowed,
        });
      }
    }
    return findings;
  },
});
