// sugm() vs flare 1.8, Table 3-style precision matrices (see flare-bench.mjs). Run: pnpm bench sparse-regression
// or, after pnpm build, R_LIBS=/tmp/Rlib node bench/sparse-regression/sugm-tiger.bench.mjs [--quick]
import { runIfMain } from '../lib/harness.mjs';
import { sugmSuite } from './flare-bench.mjs';

const benchmark = sugmSuite('tiger');
export default benchmark;
await runIfMain(import.meta.url, benchmark);
