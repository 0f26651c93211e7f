// C branch conditions -> model expressions: shared reads, list_empty/test_bit, literals and
// macros translate; locals and unknown calls keep the branch abstract.
import { describe, expect, it } from 'vitest';
import type { AccessPath, BranchEvent, IrEvent } from '../../src/ir/types.js';
import { translateCond } from '../../src/models/extract/cond.js';

const loc = { file: 'x.c', line: 3, col: 1 };
const path = (text: string, root = 'param:0', fields = ['f']): AccessPath => ({ root, fields, arrows: fields.map(() => true), text });
const br = (text: string, reads: AccessPath[] = []): BranchEvent => ({ k: 'branch', loc, text, reads });
const ctx = () => {
  const consts = new Map<string, number>();
  return {
    varOf: (p: AccessPath) => (p.root.startsWith('local:') ? undefined : `dev.${p.fields.join('.')}`),
    constant: (n: string) => {
      if (!consts.has(n)) consts.set(n, consts.size + 2);
      return consts.get(n)!;
    },
  };
};

describe('translateCond', () => {
  it('a comparison of a shared field with a negative literal keeps the literal as a candidate', () => {
    const t = translateCond(br('(d->mode == -1)', [path('d->mode', 'param:0', ['mode'])]), [], ctx())!;
    expect(t.expr).toBe('( dev.mode == -1)');
    expect(t.vars).toEqual(['dev.mode']);
    expect(t.numbers).toContain(-1);
  });

  it('list_empty(&p->q) and test_bit(BIT, &p->flags) read the field', () => {
    const le: IrEvent = { k: 'call', loc, callee: 'list_empty', args: [path('&p->q', 'param:0', ['q'])], argText: ['&p->q'] };
    expect(translateCond(br('(!list_empty(&p->q))'), [le], ctx())!.expr).toMatch(/^\(!\(\s*dev\.q\s*== 0\)\)$/);
    const tb: IrEvent = { k: 'atomic', loc, op: 'test_bit', path: path('&p->flags', 'param:0', ['flags']), returns: true, ordering: 'relaxed', operand: 'F_BUSY', reads: true, writes: false };
    const t = translateCond(br('(test_bit(F_BUSY, &p->flags))'), [tb], ctx())!;
    expect(t.expr).toMatch(/dev\.flags\s*>> \(2\)\) & 1/);
  });

  it('locals, unknown calls and shortened text stay abstract', () => {
    expect(translateCond(br('(ret < 0)', [path('ret', 'local:ret', [])]), [], ctx())).toBeUndefined();
    expect(translateCond(br('(foo(d->x))', [path('d->x', 'param:0', ['x'])]), [], ctx())).toBeUndefined();
    expect(translateCond(br('(d->x == ' + 'A'.repeat(80) + '...'), [], ctx())).toBeUndefined();
  });
});
