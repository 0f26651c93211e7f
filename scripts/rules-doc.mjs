#!/usr/bin/env node
// Writes docs/rules.md from the checker registry (npm run build first): one section per rule,
// the anchor SARIF's helpUri points at. `node scripts/rules-doc.mjs --check` exits 1 when the
// file is out of date (a test runs the same comparison).
import { readFileSync, writeFileSync } from 'node:fs';
import { rulesDoc } from '../dist/report/rules-doc.js';

const file = new URL('../docs/rules.md', import.meta.url);
const text = rulesDoc();
if (process.argv.includes('--check')) {
  const cur = readFileSync(file, 'utf8');
  if (cur !== text) {
    console.error('docs/rules.md is out of date: run node scripts/rules-doc.mjs');
    process.exit(1);
  }
} else writeFileSync(file, text);
