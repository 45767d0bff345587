import { mayBeBulkPath } from './http';
import { FILE_PATH, STATUS_PATH } from './index';

describe('mayBeBulkPath: which requests the bulk status and file routes look at', () => {
  it('every status and file URL, as sent or percent-encoded', () => {
    for (const p of [`/fhir/${STATUS_PATH}/job1`, `/fhir/${FILE_PATH}/job1/Patient.ndjson`, '/fhir/%24export-status/job1', '/%66hir/$export-file/j/f']) {
      expect(mayBeBulkPath(p)).toBe(true);
    }
  });
  it('passes everything else on without a look', () => {
    for (const p of ['/fhir/Claim/$validate', '/fhir/$export', '/fhir/Patient/$export', '/fhir/Patient/p1', '/fhir/metadata']) {
      expect(mayBeBulkPath(p)).toBe(false);
    }
  });
});
