import type { RuleOptions } from '../context';
import { buildScenario, check, type Scenario } from '../testing';
import { vaAssessorCredential as rule } from './va-assessor-credential';

/** Findings as id, severity, expression and line. */
const found = (s: Scenario, o?: Partial<RuleOptions>) =>
  check(rule, s, 'US-VA', o).map((f) => ({ id: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const diagnostics = (s: Scenario, o?: Partial<RuleOptions>) => check(rule, s, 'US-VA', o).map((f) => f.diagnostics).join('\n');
import type { Practitioner } from 'fhir/r4';
import { CS, EXT } from '../../prss/terminology';
import { ref } from '../../prss/scenario';

const AT_SERVICE = { id: 'va-assessor-credential', severity: 'error', expression: 'Claim.item[0].productOrService', item: 0 };
const qual = (code: string, start = '2015-01-01', end?: string) => ({ code: { coding: [{ system: CS.credential, code }] }, period: { start, ...(end ? { end } : {}) } });

describe('va-assessor-credential', () => {
  it('passes the clean ARTS and MH scenarios (an LMHP assessor)', () => {
    expect(found(buildScenario())).toEqual([]);
    expect(found(buildScenario({ program: 'mh' }))).toEqual([]);
  });
  it('accepts a CATP for ARTS but not for MH', () => {
    const arts = buildScenario();
    arts.assessor.qualification = [qual('catp')];
    expect(found(arts)).toEqual([]);
    const mh = buildScenario({ program: 'mh' });
    mh.assessor.qualification = [qual('catp')];
    expect(found(mh)).toEqual([AT_SERVICE]);
    expect(diagnostics(mh)).toContain('holds none of lmhp, lmhp-r, lmhp-rp, lmhp-s');
  });
  it('accepts each LMHP-family credential for MH', () => {
    for (const code of ['lmhp-r', 'lmhp-rp', 'lmhp-s']) {
      const s = buildScenario({ program: 'mh' });
      s.assessor.qualification = [qual(code)];
      expect(found(s)).toEqual([]);
    }
  });
  it('accepts a license that lapses on the assessment date and rejects one that lapsed the day before', () => {
    const onDay = buildScenario();
    onDay.assessor.qualification = [qual('lmhp', '2015-01-01', '2026-01-05')];
    expect(found(onDay)).toEqual([]);
    const lapsed = buildScenario();
    lapsed.assessor.qualification = [qual('lmhp', '2015-01-01', '2026-01-04')];
    expect(found(lapsed)).toEqual([AT_SERVICE]);
  });
  it('accepts an ARTS assessment by a CSAC supervised by a CATP, and rejects it without the supervisor or for MH', () => {
    const build = (program: 'arts' | 'mh', supervised: boolean) => {
      const s = buildScenario({ program });
      s.assessor.qualification = [qual('csac')];
      const catp: Practitioner = { resourceType: 'Practitioner', id: 'catp-1', qualification: [qual('catp'), qual('lmhp')] };
      if (supervised) s.assessment.extension!.push({ url: EXT.supervisingPractitioner, valueReference: ref(catp) });
      return { ...s, resources: () => [...s.resources(), catp] };
    };
    expect(found(build('arts', true))).toEqual([]);
    expect(found(build('arts', false))).toEqual([AT_SERVICE]);
    expect(found(build('mh', true))).toEqual([AT_SERVICE]);
  });
});
