/** Importing this module registers every operation. */
import './validate';
import './claim-submit';
import './export';
import './import';
import './careplan-compliance';
import './patient-utilization';
import './practitionerrole-caseload';
import './encounter-rules';
import './patient-everything';
import './meta';
import './terminology';
