/**
 * Test fixtures for the rule tests: stored claims and extra sessions for a scenario's member.
 * Test-only (imported by *.test.ts); the scenario itself stays in src/prss/scenario.ts.
 */
import type { Claim, Encounter, FhirResource } from 'fhir/r4';
import { progressNote, ref, sessionEncounter, type Scenario } from '../../prss/scenario';
import { SYSTEM } from '../../prss/terminology';

/** The scenario with more resources stored beside it (other claims, episodes…). */
export function withResources(s: Scenario, ...extra: FhirResource[]): Scenario {
  return { ...s, resources: () => [...s.resources(), ...extra] };
}

export interface StoredLine { day: string; units: number; code?: string; session?: Encounter }

/** A stored claim of the scenario's member, one item per line (code defaults to the scenario claim's). */
export function storedClaim(s: Scenario, id: string, lines: StoredLine[]): Claim {
  const code = s.claim.item![0].productOrService.coding![0].code!;
  return {
    ...s.claim,
    id,
    identifier: [{ system: 'http://prss.example.org/fhir/sid/claim-number', value: id }],
    item: lines.map((l, i) => ({
      sequence: i + 1,
      careTeamSequence: [1],
      productOrService: { coding: [{ system: SYSTEM.hcpcs, code: l.code ?? code }] },
      servicedDate: l.day,
      quantity: { value: l.units },
      unitPrice: { value: 25, currency: 'USD' },
      net: { value: 25 * l.units, currency: 'USD' },
      ...(l.session ? { encounter: [ref(l.session)] } : {}),
    })),
    total: { value: 25 * lines.reduce((n, l) => n + l.units, 0), currency: 'USD' },
  };
}

/** Add a session (with its progress note) to the scenario's member; returns it. */
export function addSession(
  s: Scenario,
  id: string,
  opts: { start: string; minutes: number } & Partial<Parameters<typeof sessionEncounter>[1]>,
): Encounter {
  const e = sessionEncounter(id, {
    member: s.member, prsRole: s.prsRole, plan: s.plan, assessment: s.assessment, goal: s.goal, diagnosis: s.diagnosis,
    program: (s.plan.extension?.find((x) => x.url.endsWith('/program'))?.valueCode ?? 'arts') as 'arts' | 'mh',
    ...opts,
  });
  s.sessions.push(e);
  s.notes.push(progressNote(`note-${id}`, e, ref(s.prsRole), opts.start.slice(0, 10)));
  return e;
}

/** Point the scenario claim's first line at another session, with units and date to match. */
export function billSession(s: Scenario, e: Encounter, units: number, index = 0): void {
  const item = s.claim.item![index];
  item.encounter = [ref(e)];
  item.servicedDate = e.period!.start!.slice(0, 10);
  item.quantity = { value: units };
  item.net = { value: units * (item.unitPrice?.value ?? 0), currency: 'USD' };
  s.claim.total = { value: s.claim.item!.reduce((n, it) => n + (it.net?.value ?? 0), 0), currency: 'USD' };
}
