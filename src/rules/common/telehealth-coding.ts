/** Telehealth lines carry the CMS place of service and modifier of their contact mode; in-person lines carry neither. */
import { defineRule, type Finding } from '../engine';
import { contactMode, lineModifiers, placeOfService } from '../facts';
import { itemPath, sessionLines } from './lines';

const TELEHEALTH_POS = ['02', '10'];
const VIDEO_MODIFIERS = ['95', 'GT'];
const AUDIO_MODIFIERS = ['93', 'FQ'];

export const telehealthCoding = defineRule({
  id: 'telehealth-coding',
  severity: 'warning',
  scope: 'line',
  pack: 'common',
  description: 'A video session carries place of service 02 or 10 and modifier 95 (or GT); a telephone session carries 93 or FQ; an in-person session carries neither.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Service Delivery',
    quote: 'Coverage of services delivered by telemedicine are described in the “Telehealth Services Supplement”.',
    note: 'The seed defers telehealth coding to the Telehealth Services Supplement; the codes are the CMS place-of-service definitions (02 telehealth other than home, 10 telehealth in the home) and modifiers 95/GT (audio and video), 93/FQ (audio only).',
  },
  check(ctx) {
    const findings: Finding[] = [];
    for (const { index, item, encounter } of sessionLines(ctx)) {
      const mode = contactMode(encounter);
      if (!mode) continue;
      const pos = placeOfService(item);
      const mods = lineModifiers(item);
      const has = (set: string[]) => mods.some((m) => set.includes(m));
      const telehealthPos = !!pos && TELEHEALTH_POS.includes(pos);
      const shown = `place of service ${pos ?? '(none)'}, modifiers ${mods.length ? mods.join(', ') : '(none)'}`;
      const warn = (diagnostics: string, element: string) => findings.push({ diagnostics, expression: itemPath(index, element), item: index });
      if (mode === 'telehealth-video') {
        if (!telehealthPos) warn(`The session was by video but the line's place of service is ${pos ?? 'missing'}; expected 02 or 10`, 'locationCodeableConcept');
        if (!has(VIDEO_MODIFIERS) || has(AUDIO_MODIFIERS)) warn(`The session was by video (two-way audio and video): the line needs modifier 95 or GT and no audio-only modifier (${shown})`, 'modifier');
      } else if (mode === 'telephone') {
        if (!has(AUDIO_MODIFIERS) || has(VIDEO_MODIFIERS)) warn(`The session was by telephone: the line needs modifier 93 or FQ and no audio-video modifier (${shown})`, 'modifier');
      } else {
        if (telehealthPos) warn(`The session was in person but the line carries telehealth place of service ${pos}`, 'locationCodeableConcept');
        if (has([...VIDEO_MODIFIERS, ...AUDIO_MODIFIERS])) warn(`The session was in person but the line carries a telehealth modifier (${shown})`, 'modifier');
      }
    }
    return findings;
  },
});
