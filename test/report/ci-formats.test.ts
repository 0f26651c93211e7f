// The one-line CI formats: reviewdog's rdjsonl and GitHub Actions workflow commands.
import { describe, expect, it } from 'vitest';
import { sampleSources } from '../helpers/sample-sources.js';
import { z } from 'zod';
import { analyzeSources } from '../../src/engine/analyze.js';
import { formatRdjsonl } from '../../src/report/rdjsonl.js';
import { escapeData, escapeProperty, formatGithub, githubCommand } from '../../src/report/github.js';
import type { Finding } from '../../src/report/finding.js';


// reviewdog's published JSON schema of a Diagnostic (reviewdog/reviewdog,
// proto/rdf/jsonschema/Diagnostic.json at 08614ef9c4095bcacfda60090a70da8834e17019 and
// RelatedLocation.json at 34a54e5b85daba36f973c910b1a6df937ebf37bc, generated from
// proto/rdf/reviewdog.proto), its types and enums written out as zod. The published schema
// allows additional properties; reviewdog reads each line with protojson, which rejects a field
// the proto does not have, so the objects here are strict: a misspelt field fails the test.
const Position = z.strictObject({ line: z.number().int().optional(), column: z.number().int().optional() });
const Range = z.strictObject({ start: Position.optional(), end: Position.optional() });
const Location = z.strictObject({ path: z.string().optional(), range: Range.optional() });
const Diagnostic = z.strictObject({
  message: z.string().optional(),
  location: Location.optional(),
  severity: z.union([z.enum(['UNKNOWN_SEVERITY', 'ERROR', 'WARNING', 'INFO']), z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)])]).optional(),
  source: z.strictObject({ name: z.string().optional(), url: z.string().optional() }).optional(),
  code: z.strictObject({ value: z.string().optional(), url: z.string().optional() }).optional(),
  suggestions: z.array(z.strictObject({ range: Range.optional(), text: z.string().optional() })).optional(),
  original_output: z.string().optional(),
  related_locations: z.array(z.strictObject({ message: z.string().optional(), location: Location.optional() })).optional(),
});

/** The Actions runner's reading of a workflow command (`::cmd k=v,k=v::data`), unescaped. */
function parseCommand(line: string): { command: string; props: Record<string, string>; data: string } {
  const m = /^::(\w+)(?: ([^:]*))?::(.*)$/.exec(line);
  if (!m) throw new Error(`not a workflow command: ${line}`);
  const unData = (s: string) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
  const unProp = (s: string) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
  const props: Record<string, string> = {};
  for (const kv of (m[2] ?? '').split(',').filter(Boolean)) {
    const i = kv.indexOf('=');
    props[kv.slice(0, i)] = unProp(kv.slice(i + 1));
  }
  return { command: m[1]!, props, data: unData(m[3]!) };
}

const report = analyzeSources(sampleSources('samples/001-vgic-rank-inversion/pre'));
const inversion = report.findings.find((f) => f.rule === 'lock-inversion')!;

describe('rdjsonl (reviewdog)', () => {
  const lines = formatRdjsonl(report.findings).trimEnd().split('\n');

  it('is one Diagnostic per finding that reviewdog schema accepts', () => {
    expect(lines).toHaveLength(report.findings.length);
    for (const l of lines) expect(Diagnostic.safeParse(JSON.parse(l)).error?.issues ?? []).toEqual([]);
  });

  it('puts the inversion on its own line as an ERROR with the other CPU as related locations', () => {
    const d = lines.map((l) => JSON.parse(l) as z.infer<typeof Diagnostic>).find((x) => x.code?.value === 'lock-inversion')!;
    expect(d.severity).toBe('ERROR');
    expect(d.location).toEqual({ path: 'samples/001-vgic-rank-inversion/pre/xen/arch/arm/gic.c', range: { start: { line: 160, column: 9 } } });
    expect(d.message).toContain('[model: confirmed (DEADLOCK)]');
    // CPU1 takes vcpu.arch.vgic.lock in vgic_migrate_irq while holding the rank lock
    expect(d.related_locations).toContainEqual({
      message: 'CPU1: vgic_migrate_irq: acquire vcpu.arch.vgic.lock (v->domain->vcpu[]->arch.vgic.lock)',
      location: { path: 'samples/001-vgic-rank-inversion/pre/xen/arch/arm/vgic.c', range: { start: { line: 84, column: 5 } } },
    });
  });

  it('the schema check can fail: a misspelt field or a wrong severity is caught', () => {
    const d = JSON.parse(lines[0]!);
    expect(Diagnostic.safeParse({ ...d, relatedLocations: [] }).success).toBe(false);
    expect(Diagnostic.safeParse({ ...d, severity: 'warning' }).success).toBe(false);
    expect(Diagnostic.safeParse({ ...d, location: { path: 'a.c', range: { start: { line: '3' } } } }).success).toBe(false);
  });
});

describe('github (workflow commands)', () => {
  it('annotates the inversion as an error on its file and line, with both call chains in the message', () => {
    const line = formatGithub(report.findings).split('\n').find((l) => l.includes('lock-inversion'))!;
    expect(line.startsWith('::error file=samples/001-vgic-rank-inversion/pre/xen/arch/arm/gic.c,line=160,col=9,title=lockcheck lock-inversion::')).toBe(true);
    expect(line).not.toMatch(/\n/);
    const c = parseCommand(line);
    expect(c.props).toEqual({ file: 'samples/001-vgic-rank-inversion/pre/xen/arch/arm/gic.c', line: '160', col: '9', title: 'lockcheck lock-inversion' });
    expect(c.data.split('\n')).toEqual([
      inversion.message,
      'CPU0: gic_clear_lrs -> gic_update_one_lr -> vgic_get_target_vcpu',
      'CPU1: vgic_v2_distr_mmio_write -> vgic_store_itargetsr -> vgic_migrate_irq',
      'model: confirmed (DEADLOCK)',
    ]);
  });

  it("escapes per GitHub's rules so a file name with ':' or ',' and a message with '%' and newlines survive", () => {
    expect(escapeData('50% done\r\nnext')).toBe('50%25 done%0D%0Anext');
    expect(escapeProperty('a:b,c%')).toBe('a%3Ab%2Cc%25');
    const f: Finding = { ...inversion, file: 'drivers/x:y,z.c', line: 7, col: undefined, severity: 'note', message: '100% sure\nor not', witness: [], confirmation: { status: 'not-run' }, change: 'introduced' };
    const line = githubCommand(f);
    expect(line).toBe('::notice file=drivers/x%3Ay%2Cz.c,line=7,title=lockcheck lock-inversion (introduced)::100%25 sure%0Aor not');
    expect(parseCommand(line)).toEqual({ command: 'notice', props: { file: 'drivers/x:y,z.c', line: '7', title: 'lockcheck lock-inversion (introduced)' }, data: '100% sure\nor not' });
  });
});
