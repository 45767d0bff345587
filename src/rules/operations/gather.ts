/**
 * The context an operation judges: everything the claim service would gather for a claim of the
 * member (or by the PRS) on the date, gathered once, then questioned with several synthetic claims.
 */
import type { Coverage, Reference } from 'fhir/r4';
import type { Repository } from '../../store/repository';
import type { ResourceBag } from '../context';
import type { Jurisdiction } from '../engine';
import { gatherClaimContext } from '../gather';
import { memberCoverages, memberJurisdiction, probeClaim, type ProbeLine } from './probe';

export interface GatheredMember {
  bag: ResourceBag;
  member: string;
  coverages: Coverage[];
  /** The member's policy pack, from their coverage; undefined when no coverage names one. */
  jurisdiction?: Jurisdiction;
}

/** Gather as for a claim of the member dated `days` (the dates decide the staff records' window). */
export async function gatherMember(repo: Repository, member: string, days: string[]): Promise<GatheredMember> {
  const lines: ProbeLine[] = days.map((day) => ({ code: 'T1012', day, units: 0 }));
  const bag = await gatherClaimContext(repo, probeClaim({ patient: { reference: member }, lines }));
  const coverages = memberCoverages(bag, member, days[days.length - 1]);
  return { bag, member, coverages, jurisdiction: memberJurisdiction(coverages) };
}

/** Gather as for a claim rendered by the PRS (its role) at the role's provider on the day. */
export async function gatherPractitioner(repo: Repository, role: Reference, provider: Reference | undefined, day: string): Promise<ResourceBag> {
  return gatherClaimContext(repo, probeClaim({ careTeam: role, provider, lines: [{ code: 'T1012', day, units: 0 }] }));
}
