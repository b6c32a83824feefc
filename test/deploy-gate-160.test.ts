/**
 * The deploy gate on (c), 160 pipelines (40 per system, S3 records, every schedule enabled): the
 * same checks as test/deploy-gate.test.ts (test/support/gate-suite.ts), in a file of its own so
 * it runs beside (a) and (b). Its templates differ from their flattened copies only in each
 * definition's Fn::Join, so only the copies are linted (it halves the longest step).
 */
import { gateSuite } from './support/gate-suite';

gateSuite(['c'], { minRules: 161, flattenedOnly: ['c'] });
