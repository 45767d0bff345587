import type { Coverage, Extension, Organization } from 'fhir/r4';
import { EXT } from '../../prss/terminology';
import { refKey } from '../context';
import { defineRule, type Finding } from '../engine';
import { ext, extCode, extRef, exts, lineCode, periodCovers, programOfCode } from '../facts';
import type { RuleContext } from '../context';
import { lineSession } from './facts-staff';
import { datedLines } from '../common/lines';

/** Provider types enrolled for each program (domain model `prss-provider-type`; RHC/FQHC in both). */
export const PROVIDER_TYPES: Record<'arts' | 'mh', string[]> = {
  arts: ['acute-hospital-4.0', 'psych-hospital-3.7-3.5', 'residential-3.7-3.1', 'iop-php-2.5-2.1', 'rhc-fqhc', 'outpatient-1', 'otp', 'obot', 'pharmacy', 'emergency-department'],
  mh: ['rhc-fqhc', 'acute-hospital-ed', 'psych-hospital', 'prtf', 'tgh', 'mh-clinic', 'outpatient-psych', 'mh-tdt', 'mh-iih', 'mh-mst', 'mh-fft', 'mh-iop', 'mh-php', 'mh-psr', 'mh-mhss', 'mh-act', 'mh-mobile-crisis', 'mh-community-stabilization', 'mh-23h-crisis', 'mh-rcsu', 'mh-case-management'],
};

/** The claim's Coverage: the focal insurance's, else the first that resolves (as the pack is chosen). */
function claimCoverage(ctx: RuleContext): Coverage | undefined {
  const insurances = [...(ctx.claim.insurance ?? [])].sort((a, b) => Number(!!b.focal) - Number(!!a.focal));
  for (const ins of insurances) {
    const coverage = ctx.data.resolve<Coverage>(ins.coverage, 'Coverage');
    if (coverage) return coverage;
  }
  return undefined;
}

export const vaProviderEnrolled = defineRule({
  id: 'va-provider-enrolled',
  severity: 'error',
  scope: 'provider',
  pack: 'US-VA',
  description: 'The billing provider has an enrollment for the claim\'s program covering the date of service, with a provider type allowed for that program; an enrollment that names a payer counts only for claims whose Coverage payor is that payer.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Provider Enrollment',
    quote: 'Providers of ARTS Peer Support Services and Family Support Partners shall be enrolled with DMAS as one of the following:',
    note: 'MH lines use the MH list of the same section ("Providers of MH Peer Support Services and Family Support Partners shall be enrolled with DMAS as one of the following"). A line\'s program comes from its code, else from its session. Reading (MCO credentialing, "be credentialed with the member\'s Medicaid MCO for members enrolled in Medicaid managed care"): an enrollment that names a `payer` counts only for claims whose Coverage `payor` names that payer; an enrollment without a `payer` (DMAS fee-for-service enrollment) counts for any.',
  },
  check(ctx) {
    const provider = ctx.data.resolve<Organization>(ctx.claim.provider, 'Organization');
    const out: Finding[] = [];
    const payors = new Set((claimCoverage(ctx)?.payor ?? []).map((p) => refKey(p)).filter((k): k is string => !!k));
    /** An enrollment naming a payer is credentialing with that payer (MCO) and counts only for its members' claims. */
    const payerMatches = (en: Extension) => {
      const payer = extRef(en, 'payer');
      return !payer || (!!refKey(payer) && payors.has(refKey(payer)!));
    };
    for (const line of datedLines(ctx)) {
      const session = lineSession(ctx, line)?.encounter;
      const program = programOfCode(lineCode(line.item), 'US-VA') ?? (session ? extCode(session, EXT.program) as 'arts' | 'mh' | undefined : undefined);
      const programs = program ? [program] : (['arts', 'mh'] as const);
      const fitting = provider?.active === false ? [] : exts(provider, EXT.enrollment).filter((en) => {
        const p = extCode(en, 'program') as 'arts' | 'mh' | undefined;
        const type = extCode(en, 'providerType');
        return !!p && programs.includes(p) && !!type && PROVIDER_TYPES[p].includes(type) && periodCovers(ext(en, 'period')?.valuePeriod, line.day);
      });
      if (fitting.some(payerMatches)) continue;
      const who = provider ? `${provider.name ?? `Organization/${provider.id}`}` : `${refKey(ctx.claim.provider) ?? 'no provider'} (not found)`;
      const otherPayers = fitting.map((en) => refKey(extRef(en, 'payer')) ?? extRef(en, 'payer')?.display ?? '(unresolvable payer)');
      const why = fitting.length
        ? `its enrollment covering ${line.day} is credentialing with ${otherPayers.join(', ')}, not with the claim's payer (${payors.size ? [...payors].join(', ') : 'the Coverage names no payor'}): an MCO enrollment counts only for that MCO's members`
        : `it has no ${program ? program.toUpperCase() : 'ARTS or MH'} enrollment with an allowed provider type covering ${line.day}`;
      out.push({
        diagnostics: `The billing provider ${who} is not enrolled for line ${line.index + 1} (date of service ${line.day}): ${why}.`,
        expression: 'Claim.provider',
        item: line.index,
      });
    }
    return out;
  },
});
