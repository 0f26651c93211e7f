#!/usr/bin/env node
// npm run bench -- DIR...   (default: Linux 6.1 fs/ from Debian's linux-source-6.1)
// Prints files, lines, seconds, lines/s, peak memory, and the ratio to a bare tree-sitter
// parse+walk of the same files with the same worker threads, measured in the same run.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { linuxTree } from './lib/linux-tree.mjs';

const here = dirname(fileURLToPath(import.meta.url));
if (!existsSync(join(here, '..', 'dist', 'engine', 'analyze.js'))) {
  process.stderr.write('bench: dist/ is missing; run `npm run build` first\n');
  process.exit(2);
}
let dirs = process.argv.slice(2);
if (dirs.length === 0) dirs = [join(linuxTree(['fs']), 'fs')];
const jobs = Number(process.env.JOBS || availableParallelism());
const env = { ...process.env, JOBS: String(jobs) };
const child = (script) => JSON.parse(execFileSync(process.execPath, ['--max-old-space-size=8192', join(here, 'lib', script), ...dirs], { env, maxBuffer: 1 << 26 }).toString().trim().split('\n').pop());

const floor = child('run-floor.mjs');
const full = child('run-analysis.mjs');
const row = (k, v) => process.stdout.write(`${k.padEnd(28)} ${v}\n`);
process.stdout.write(`lockcheck bench: ${dirs.join(' ')} (${jobs} worker threads)\n`);
row('files', full.files);
row('lines', full.lines);
row('functions', full.functions);
row('input errors', full.errors);
row('parse+walk floor (s)', floor.seconds.toFixed(2));
row('lockcheck (s)', full.seconds.toFixed(2));
row('lines/s', Math.round(full.lines / full.seconds));
row('ratio to floor', (full.seconds / floor.seconds).toFixed(2) + 'x');
row('peak RSS floor (MB)', Math.round(floor.maxRssMB));
row('peak RSS lockcheck (MB)', Math.round(full.maxRssMB));
row('findings by rule', JSON.stringify(full.byRule));
row('confirmations', JSON.stringify(full.byStatus));
