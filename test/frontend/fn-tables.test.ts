// Function-pointer tables read from designated initializers: the members an indirect call
// may run are bound by struct type, nested member structs and non-function values are not.
import { describe, expect, it } from 'vitest';
import { designatedFunctions } from '../../src/frontend/fn-tables.js';
import { collectDecls } from '../../src/frontend/decls.js';
import { parseLite } from '../../src/frontend/lite-tree.js';

describe('function-pointer tables', () => {
  it('binds the members of one table, skipping NULL, constants and nested member structs', () => {
    const init = `{
	.read = vgic_v2_distr_mmio_read,
	.write = &vgic_v2_distr_mmio_write,
	.name = "vgic \\"v2\\" .bad = x",
	.flags = VGIC_FLAG,
	.release = NULL,
	.inner = { .cb = not_a_member_of_this_table },
}`;
    expect(designatedFunctions('mmio_handler_ops', init, false)).toEqual([
      ['mmio_handler_ops', 'read', 'vgic_v2_distr_mmio_read'],
      ['mmio_handler_ops', 'write', 'vgic_v2_distr_mmio_write'],
    ]);
  });

  it('binds every element of an array of tables', () => {
    expect(designatedFunctions('iommu_ops', '{ { .map = amd_map }, { .map = intel_map } }', true)).toEqual([
      ['iommu_ops', 'map', 'amd_map'],
      ['iommu_ops', 'map', 'intel_map'],
    ]);
  });

  it('collects the tables of a translation unit with their declared struct type', () => {
    const d = collectDecls(parseLite(`static const struct hvm_io_ops vpci_ops = { .read = vpci_read, .write = vpci_write };
int x = 3;`));
    expect(d.fnptrs).toEqual([
      ['hvm_io_ops', 'read', 'vpci_read'],
      ['hvm_io_ops', 'write', 'vpci_write'],
    ]);
  });
});
