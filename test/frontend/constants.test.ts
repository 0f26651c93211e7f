// Integer macros and enumerators the models evaluate conditions with.
import { describe, expect, it } from 'vitest';
import { enumConstants, intValue, macroConstant } from '../../src/frontend/constants.js';
import { collectDecls } from '../../src/frontend/decls.js';
import { parseLite } from '../../src/frontend/lite-tree.js';

describe('integer constants', () => {
  it('reads literals, suffixes, parentheses and shifts; not other expressions', () => {
    expect(intValue('0x10UL')).toBe(16);
    expect(intValue('(2)')).toBe(2);
    expect(intValue('(1U << 5)')).toBe(32);
    expect(intValue('-1')).toBe(-1);
    expect(intValue('010')).toBe(8);
    expect(intValue('sizeof(long)')).toBeUndefined();
    expect(macroConstant('PAGE_SHIFT', 'CONFIG_PAGE_SHIFT')).toBeUndefined();
  });

  it('counts implicit enumerators on from the last explicit one', () => {
    expect(enumConstants('{ DABT_BYTE = 0, DABT_HALF, DABT_WORD, DABT_DOUBLE = 3, X = DABT_WORD }')).toEqual([
      ['DABT_BYTE', 0], ['DABT_HALF', 1], ['DABT_WORD', 2], ['DABT_DOUBLE', 3], ['X', 2],
    ]);
  });

  it('collects #define integers and enum bodies of a translation unit', () => {
    const d = collectDecls(parseLite(`#define GIC_IRQ_GUEST_MIGRATING 4
#define NAME "str"
enum dabt_size { DABT_BYTE = 0, DABT_HALF = 1, DABT_WORD = 2 };
typedef enum { ST_IDLE, ST_BUSY } state_t;
`));
    expect(new Map(d.constants)).toEqual(new Map([
      ['GIC_IRQ_GUEST_MIGRATING', 4], ['DABT_BYTE', 0], ['DABT_HALF', 1], ['DABT_WORD', 2], ['ST_IDLE', 0], ['ST_BUSY', 1],
    ]));
  });
});
