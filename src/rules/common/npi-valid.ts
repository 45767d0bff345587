/** Billing and rendering NPIs are 10 digits with a valid Luhn check digit (prefix 80840). */
import type { Identifier, Organization, Practitioner } from 'fhir/r4';
import { SYSTEM } from '../../prss/terminology';
import { defineRule, type Finding } from '../engine';
import { practitionerOf } from '../facts';

/** True for a 10-digit NPI whose last digit is the Luhn check digit over `80840` + the first nine. */
export function isValidNpi(npi: string): boolean {
  if (!/^\d{10}$/.test(npi)) return false;
  const digits = `80840${npi.slice(0, 9)}`.split('').map(Number);
  let sum = 0;
  // Double every second digit counting from the right of the payload (the check digit sits after it).
  for (let i = digits.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = digits[i];
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10 === Number(npi[9]);
}

const npisOf = (ids: Identifier[] | undefined) => (ids ?? []).filter((i) => i.system === SYSTEM.npi);

function judge(ids: Identifier[], who: string, expression: string): Finding[] {
  return ids
    .filter((id) => !isValidNpi(id.value ?? ''))
    .map((id) => ({
      diagnostics: `The ${who} NPI '${id.value ?? ''}' is not valid: an NPI is 10 digits whose last digit is the Luhn check digit over 80840 and the first 9 digits`,
      expression,
    }));
}

export const npiValid = defineRule({
  id: 'npi-valid',
  severity: 'error',
  scope: 'claim',
  pack: 'common',
  description: 'Billing and rendering NPIs are 10 digits with a valid check digit (Luhn over 80840 + the first 9 digits).',
  citation: {
    seed: 'CMS NPI standard (45 CFR 162.406); US Core invariants us-core-16/17',
    section: 'NPI check digit',
    quote: 'The NPI is a 10-position, intelligence-free numeric identifier (10-digit number).',
    note: 'The check digit is the Luhn (ISO/IEC 7812) digit computed over the prefix 80840 followed by the first nine digits. A billing provider must carry an NPI; a rendering practitioner is judged when it carries one (the domain model has NPI "where held").',
  },
  check(ctx) {
    const findings: Finding[] = [];
    const provider = ctx.data.resolve<Organization>(ctx.claim.provider, 'Organization');
    const billing = [...npisOf(provider?.identifier), ...npisOf(ctx.claim.provider?.identifier ? [ctx.claim.provider.identifier] : [])];
    if (provider && billing.length === 0) {
      findings.push({ diagnostics: `The billing provider ${provider.name ?? provider.id} has no NPI (box 33a of the CMS-1500 needs one)`, expression: 'Claim.provider' });
    }
    findings.push(...judge(billing, 'billing provider', 'Claim.provider'));
    (ctx.claim.careTeam ?? []).forEach((member, i) => {
      const person = practitionerOf(ctx.data, member.provider);
      const ids = [...npisOf((person as Practitioner | undefined)?.identifier), ...npisOf(member.provider?.identifier ? [member.provider.identifier] : [])];
      findings.push(...judge(ids, 'rendering', `Claim.careTeam[${i}].provider`));
    });
    return findings;
  },
});
