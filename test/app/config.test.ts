import { describe, expect, it } from 'vitest';
import { defaultConfig, formatConfigErrors, LockcheckConfigSchema, parseConfig } from '../../src/config/schema.js';

describe('lockcheck config', () => {
  it('defaults everything', () => {
    expect(defaultConfig()).toEqual({ failLevel: 'warning', rules: {}, paths: { include: [], exclude: [] }, timeBudgetSeconds: 120, refuted: 'show', rulesDirs: [] });
    const empty = parseConfig('');
    expect(empty.ok && empty.config).toEqual(defaultConfig());
  });

  it('reads a full config', () => {
    const r = parseConfig(['failLevel: warning', 'rules:', '  lock-order: "off"', '  use-after-free: note', 'paths:', '  include: [xen/**]', '  exclude: ["**/test/**"]', 'timeBudgetSeconds: 30', 'refuted: hide', 'rulesDirs: [.lockcheck/rules]'].join('\n'));
    expect(r).toEqual({
      ok: true,
      config: { failLevel: 'warning', rules: { 'lock-order': 'off', 'use-after-free': 'note' }, paths: { include: ['xen/**'], exclude: ['**/test/**'] }, timeBudgetSeconds: 30, refuted: 'hide', rulesDirs: ['.lockcheck/rules'] },
    });
  });

  it('explains schema errors with the line they are on', () => {
    const r = parseConfig(['failLevel: fatal', 'rules:', '  lock-order: maybe', 'unknownKey: 1'].join('\n'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = formatConfigErrors(r.errors);
    expect(text).toMatch(/^line 1: failLevel: Invalid option/m);
    expect(text).toMatch(/^line 3: rules\.lock-order: Invalid option/m);
    expect(text).toMatch(/^line \d: \(root\): Unrecognized key: "unknownKey"/m);
  });

  it('explains YAML syntax errors with their line', () => {
    const r = parseConfig('failLevel: error\npaths: [unclosed\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]!.message).toMatch(/^YAML: /);
  });

  it('is the schema the CLI can reuse', () => {
    expect(LockcheckConfigSchema.safeParse({ timeBudgetSeconds: 0 }).success).toBe(false);
  });
});
