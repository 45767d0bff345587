/** Connecticut peer support takes place in the participant's home or another community setting. */
import { defineRule, type Finding } from '../engine';
import { placeOfService } from '../facts';
import { datedLines } from '../common/lines';

/** CMS places of service for the home (12) and other community settings (99, "other place of service"). */
export const CT_SETTINGS: Record<string, string> = { '12': 'home', '99': 'other community setting' };
/** Telehealth places of service, left to ct-face-to-face (which judges how the session was delivered). */
const TELEHEALTH = new Set(['02', '10']);

export const ctSetting = defineRule({
  id: 'ct-setting',
  severity: 'warning',
  scope: 'line',
  pack: 'US-CT',
  description: 'The line\'s place of service is the participant\'s home (`12`) or another community setting (`99`); an office or facility place of service (`11`, `53`, `57`, …) is reported; telehealth codes are left to `ct-face-to-face` (reading: the seed names settings, not codes).',
  citation: {
    seed: '004_e014bb82c3cf3ac6.txt',
    section: 'Covered services',
    quote: 'Peer Support services of at least 15-minutes duration provided face-to-face with the participant in his/her home and in other community settings.',
    note: 'Reading: the seed names settings, not codes. Home is CMS place of service 12 and another community setting 99; an office, clinic or facility code (11, 53, 57, …) is reported for review, and so is a line with no place of service (the setting cannot be shown). Telehealth codes (02, 10) are left to ct-face-to-face.',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const line of datedLines(ctx)) {
      const pos = placeOfService(line.item);
      if (pos && (pos in CT_SETTINGS || TELEHEALTH.has(pos))) continue;
      out.push({
        diagnostics: pos
          ? `Line ${line.index + 1} (${line.day}) gives place of service ${pos}, an office or facility: Connecticut peer support is provided in the participant's home (12) or another community setting (99).`
          : `Line ${line.index + 1} (${line.day}) gives no place of service: Connecticut peer support is provided in the participant's home (12) or another community setting (99).`,
        expression: `Claim.item[${line.index}].locationCodeableConcept`,
        item: line.index,
      });
    }
    return out;
  },
});
