/** Importing this module registers every operation. */
import './validate';
import './claim-submit';
