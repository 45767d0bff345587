import type { Organization } from 'fhir/r4';
import { EXT } from '../../prss/terminology';
import { refKey } from '../context';
import { defineRule, type Finding } from '../engine';
import { ext, extCode, exts, lineCode, periodCovers, programOfCode } from '../facts';
import { lineSession } from './facts-staff';
import { datedLines } from '../common/lines';

/** Provider types enrolled for each program (domain model `prss-provider-type`; RHC/FQHC in both). */
export const PROVIDER_TYPES: Record<'arts' | 'mh', string[]> = {
  arts: ['acute-hospital-4.0', 'psych-hospital-3.7-3.5', 'residential-3.7-3.1', 'iop-php-2.5-2.1', 'rhc-fqhc', 'outpatient-1', 'otp', 'obot', 'pharmacy', 'emergency-department'],
  mh: ['rhc-fqhc', 'acute-hospital-ed', 'psych-hospital', 'prtf', 'tgh', 'mh-clinic', 'outpatient-psych', 'mh-tdt', 'mh-iih', 'mh-mst', 'mh-fft', 'mh-iop', 'mh-php', 'mh-psr', 'mh-mhss', 'mh-act', 'mh-mobile-crisis', 'mh-community-stabilization', 'mh-23h-crisis', 'mh-rcsu', 'mh-case-management'],
};

export const vaProviderEnrolled = defineRule({
  id: 'va-provider-enrolled',
  severity: 'error',
  scope: 'provider',
  pack: 'US-VA',
  description: 'The billing provider has an enrollment for the claim\'s program covering the date of service, with a provider type allowed for that program.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Provider Enrollment',
    quote: 'Providers of ARTS Peer Support Services and Family Support Partners shall be enrolled with DMAS as one of the following:',
    note: 'MH lines use the MH list of the same section ("Providers of MH Peer Support Services and Family Support Partners shall be enrolled with DMAS as one of the following"). A line\'s program comes from its code, else from its session. MCO credentialing is not checked: no element carries it.',
  },
  check(ctx) {
    const provider = ctx.data.resolve<Organization>(ctx.claim.provider, 'Organization');
    const out: Finding[] = [];
    for (const line of datedLines(ctx)) {
      const session = lineSession(ctx, line)?.encounter;
      const program = programOfCode(lineCode(line.item), 'US-VA') ?? (session ? extCode(session, EXT.program) as 'arts' | 'mh' | undefined : undefined);
      const programs = program ? [program] : (['arts', 'mh'] as const);
      const enrolled = provider?.active !== false && exts(provider, EXT.enrollment).some((en) => {
        const p = extCode(en, 'program') as 'arts' | 'mh' | undefined;
        const type = extCode(en, 'providerType');
        return !!p && programs.includes(p) && !!type && PROVIDER_TYPES[p].includes(type) && periodCovers(ext(en, 'period')?.valuePeriod, line.day);
      });
      if (enrolled) continue;
      const who = provider ? `${provider.name ?? `Organization/${provider.id}`}` : `${refKey(ctx.claim.provider) ?? 'no provider'} (not found)`;
      out.push({
        diagnostics: `The billing provider ${who} has no ${program ? program.toUpperCase() : 'ARTS or MH'} enrollment with an allowed provider type covering ${line.day}, the date of service of line ${line.index + 1}.`,
        expression: 'Claim.provider',
        item: line.index,
      });
    }
    return out;
  },
});
