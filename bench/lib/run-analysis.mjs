// Child process: the whole lockcheck pipeline over the given trees.
import { analyzePaths } from '../../dist/engine/analyze.js';
const jobs = Number(process.env.JOBS || 2);
const t0 = performance.now();
const r = await analyzePaths(process.argv.slice(2), { jobs, allRules: process.env.ALL_RULES === '1' });
const seconds = (performance.now() - t0) / 1000;
const byRule = {};
for (const f of r.findings) byRule[f.rule] = (byRule[f.rule] ?? 0) + 1;
const byStatus = {};
for (const f of r.findings) byStatus[f.confirmation.status] = (byStatus[f.confirmation.status] ?? 0) + 1;
process.stdout.write(JSON.stringify({ ...r.stats, seconds, errors: r.errors.length, byRule, byStatus, maxRssMB: process.resourceUsage().maxRSS / 1024 }) + '\n');
