import { describe, expect, it } from 'vitest';
import { filterSuppressed, suppressedRulesByLine } from '../../src/config/suppress.js';
import { fakeFinding } from '../app/helpers/fake-analyzer.js';

const text = [
  'void f(void) {',
  '    spin_lock(&a); /* lockcheck-disable-line lock-order */',
  '    /* lockcheck-disable-next-line lock-balance, use-after-free */',
  '    spin_lock(&b);',
  '    // lockcheck-disable-next-line',
  '    spin_lock(&c);',
  '    spin_lock(&d);',
  '}',
].join('\n');

describe('suppression comments', () => {
  it('maps directives to the lines they silence', () => {
    const m = suppressedRulesByLine(text);
    expect([...m.get(2)!]).toEqual(['lock-order']);
    expect([...m.get(4)!]).toEqual(['lock-balance', 'use-after-free']);
    expect([...m.get(6)!]).toEqual(['*']);
    expect(m.has(7)).toBe(false);
  });

  it('drops only the findings of the named rules on those lines', () => {
    const findings = [
      fakeFinding('a', 'lock-order', 'error', 'x.c', 2),
      fakeFinding('b', 'lock-balance', 'error', 'x.c', 2),
      fakeFinding('c', 'lock-balance', 'error', 'x.c', 4),
      fakeFinding('d', 'anything', 'error', 'x.c', 6),
      fakeFinding('e', 'lock-order', 'error', 'x.c', 7),
      fakeFinding('f', 'lock-order', 'error', 'missing.c', 2),
    ];
    const { kept, suppressed } = filterSuppressed(findings, (f) => (f === 'x.c' ? text : undefined));
    expect(suppressed.map((f) => f.id)).toEqual(['fake-a', 'fake-c', 'fake-d']);
    expect(kept.map((f) => f.id)).toEqual(['fake-b', 'fake-e', 'fake-f']);
  });
});
