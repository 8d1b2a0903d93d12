// slim() vs flare 1.8 on flare's Table 2 design (see flare-bench.mjs). Run: pnpm bench sparse-regression
// or, after pnpm build, R_LIBS=/tmp/Rlib node bench/sparse-regression/slim-lasso.bench.mjs [--quick]
import { runIfMain } from '../lib/harness.mjs';
import { slimSuite } from './flare-bench.mjs';

const benchmark = slimSuite('lasso');
export default benchmark;
await runIfMain(import.meta.url, benchmark);
