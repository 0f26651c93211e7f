// Child process: parse+walk every file with the same number of worker threads as the analysis.
import { Piscina } from 'piscina';
import { collectFiles } from '../../dist/ingest/files.js';
const jobs = Number(process.env.JOBS || 2);
const { files } = collectFiles(process.argv.slice(2));
const t0 = performance.now();
const pool = new Piscina({ filename: new URL('./floor-worker.mjs', import.meta.url).href, minThreads: jobs, maxThreads: jobs });
const batch = Math.max(4, Math.min(64, Math.ceil(files.length / (jobs * 16))));
const tasks = [];
for (let i = 0; i < files.length; i += batch) tasks.push(pool.run(files.slice(i, i + batch)));
const nodes = (await Promise.all(tasks)).reduce((a, b) => a + b, 0);
const seconds = (performance.now() - t0) / 1000;
await pool.destroy();
process.stdout.write(JSON.stringify({ files: files.length, nodes, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 }) + '\n');
