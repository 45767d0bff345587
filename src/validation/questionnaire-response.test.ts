/**
 * QuestionnaireResponse against its loaded Questionnaire (questionnaire-response.ts, run by the
 * profile validator), plus the reference validator's general rules added with it: Attachment size
 * against its data, and well-formed urn:uuid URIs.
 */
import type { OperationOutcomeIssue, Questionnaire } from 'fhir/r4';
import { createProfileValidator } from './profile-validator';

const Q: Questionnaire = {
  resourceType: 'Questionnaire', url: 'http://example.org/Questionnaire/intake', version: '2', status: 'active',
  item: [
    { linkId: 'smoker', type: 'boolean', required: true },
    { linkId: 'packs', type: 'integer', enableWhen: [{ question: 'smoker', operator: '=', answerBoolean: true }],
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/minValue', valueInteger: 1 }, { url: 'http://hl7.org/fhir/StructureDefinition/maxValue', valueInteger: 10 }] },
    { linkId: 'colour', type: 'choice', answerOption: [{ valueCoding: { system: 'http://example.org/c', code: 'red' } }, { valueCoding: { system: 'http://example.org/c', code: 'blue' } }] },
    { linkId: 'notes', type: 'string', maxLength: 5 },
    { linkId: 'grp', type: 'group', item: [{ linkId: 'grp.a', type: 'string', required: true }] },
  ],
};
const validator = createProfileValidator({ extraDefinitions: [Q] });
const errors = (issues: OperationOutcomeIssue[]) => issues.filter((i) => i.severity === 'error').map((i) => i.expression?.[0]);
const qr = (item: unknown[], status = 'completed') => ({ resourceType: 'QuestionnaireResponse', questionnaire: 'http://example.org/Questionnaire/intake|2', status, item });

describe('QuestionnaireResponse against its Questionnaire', () => {
  it('accepts a response that answers the Questionnaire as it asks', () => {
    expect(errors(validator.validate(qr([
      { linkId: 'smoker', answer: [{ valueBoolean: true }] },
      { linkId: 'packs', answer: [{ valueInteger: 10 }] },
      { linkId: 'colour', answer: [{ valueCoding: { system: 'http://example.org/c', code: 'blue' } }] },
      { linkId: 'notes', answer: [{ valueString: 'short' }] },
      { linkId: 'grp', item: [{ linkId: 'grp.a', answer: [{ valueString: 'x' }] }] },
    ])))).toEqual([]);
  });

  it('rejects a linkId the Questionnaire does not have at that place', () => {
    expect(errors(validator.validate(qr([{ linkId: 'smoker', answer: [{ valueBoolean: false }] }, { linkId: 'grp.a', answer: [{ valueString: 'x' }] }]))))
      .toEqual(['QuestionnaireResponse.item[1]']);
  });

  it('requires required items when completed, and only hints while in progress', () => {
    expect(errors(validator.validate(qr([])))).toEqual(['QuestionnaireResponse']);
    const inProgress = validator.validate(qr([], 'in-progress'));
    expect(errors(inProgress)).toEqual([]);
    expect(inProgress.some((i) => i.severity === 'information' && i.code === 'required')).toBe(true);
  });

  it('checks answer types, answerOption, maxLength and min/max values at the answer value', () => {
    expect(errors(validator.validate(qr([
      { linkId: 'smoker', answer: [{ valueString: 'yes' }] },
      { linkId: 'colour', answer: [{ valueCoding: { system: 'http://example.org/c', code: 'green' } }] },
      { linkId: 'notes', answer: [{ valueString: 'too long' }] },
    ])))).toEqual([
      'QuestionnaireResponse.item[0].answer[0].valueString',
      'QuestionnaireResponse.item[1].answer[0].valueCoding',
      'QuestionnaireResponse.item[2].answer[0].valueString',
    ]);
    expect(errors(validator.validate(qr([{ linkId: 'smoker', answer: [{ valueBoolean: true }] }, { linkId: 'packs', answer: [{ valueInteger: 11 }] }]))))
      .toEqual(['QuestionnaireResponse.item[1].answer[0].valueInteger']);
  });

  it('rejects answers to an item disabled by enableWhen, and a second answer to a non-repeating item', () => {
    expect(errors(validator.validate(qr([{ linkId: 'smoker', answer: [{ valueBoolean: false }] }, { linkId: 'packs', answer: [{ valueInteger: 2 }] }]))))
      .toEqual(['QuestionnaireResponse.item[1]']);
    expect(errors(validator.validate(qr([{ linkId: 'smoker', answer: [{ valueBoolean: false }, { valueBoolean: true }] }]))))
      .toEqual(['QuestionnaireResponse.item[0]']);
  });

  it('requires the children of a group inside the group', () => {
    expect(errors(validator.validate(qr([{ linkId: 'smoker', answer: [{ valueBoolean: false }] }, { linkId: 'grp', item: [{ linkId: 'grp.a' }] }]))))
      .toEqual(['QuestionnaireResponse.item[1].item[0]']);
  });

  it('only notes a Questionnaire that is not loaded', () => {
    const issues = validator.validate({ resourceType: 'QuestionnaireResponse', questionnaire: 'http://example.org/Questionnaire/other', status: 'completed', item: [{ linkId: 'x' }] });
    expect(issues.map((i) => `${i.severity} ${i.expression?.[0]}`)).toEqual(['information QuestionnaireResponse.questionnaire']);
  });
});

describe('general value rules of the reference validator', () => {
  it('rejects an Attachment whose size is not the size of its data (boundary: exact size passes)', () => {
    const doc = (size: number) => ({ resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { data: 'aGVsbG8=', size } }] });
    expect(errors(validator.validate(doc(5)))).toEqual([]);
    expect(errors(validator.validate(doc(6)))).toEqual(['DocumentReference.content[0].attachment']);
  });

  it('rejects a urn:uuid URI that is not a lowercase UUID', () => {
    const bundle = (fullUrl: string) => ({ resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl, resource: { resourceType: 'Basic', code: { text: 'x' } } }] });
    expect(errors(validator.validate(bundle('urn:uuid:c757873d-ec9a-4326-a141-556f43239520')))).toEqual([]);
    expect(errors(validator.validate(bundle('urn:uuid:C757873D-EC9A-4326-A141-556F43239520')))).toEqual(['Bundle.entry[0].fullUrl']);
  });
});
