/** Every benchmark, in the order they run (cheap ones first), listed explicitly. */
import type { Benchmark } from './types.ts';
import { cliStart } from './benchmarks/cli-start.ts';
import { schemaIntrospection } from './benchmarks/schema-introspection.ts';
import { queryCount } from './benchmarks/query-count.ts';
import { auditVerifyFull } from './benchmarks/audit-verify-full.ts';
import { auditVerifyFull10m } from './benchmarks/audit-verify-full-10m.ts';
import { auditVerifyIncremental } from './benchmarks/audit-verify-incremental.ts';
import { auditInsertChained } from './benchmarks/audit-insert-chained.ts';
import { pdfReport } from './benchmarks/pdf-report.ts';
import { lifecycleThroughput } from './benchmarks/lifecycle-throughput.ts';
import { lifecycleThroughputTls } from './benchmarks/lifecycle-throughput-tls.ts';
import { demoBulk100, gateScale100, gateScale1000 } from './benchmarks/gate-scale.ts';
import { gateReplica } from './benchmarks/gate-replica.ts';
import { siteBuild200, siteBuild2000 } from './benchmarks/site-build.ts';
import { tlogAppend, tlogConsistencyVerify, tlogInclusionVerify, tlogVerifyFull } from './benchmarks/tlog.ts';
import { period90d, siteBuild200History } from './benchmarks/history.ts';

export const BENCHMARKS: Benchmark[] = [
  cliStart,
  queryCount,
  schemaIntrospection,
  auditVerifyFull,
  auditVerifyIncremental,
  auditInsertChained,
  tlogAppend,
  tlogInclusionVerify,
  tlogConsistencyVerify,
  tlogVerifyFull,
  period90d,
  lifecycleThroughput,
  lifecycleThroughputTls,
  pdfReport,
  siteBuild200,
  siteBuild200History,
  siteBuild2000,
  demoBulk100,
  gateScale100,
  gateScale1000,
  gateReplica,
  auditVerifyFull10m,
];
