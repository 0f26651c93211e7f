// A common directory the tree's Makefiles build only under a Kconfig symbol that depends on
// another architecture is not part of this architecture's program; what the Kconfig cannot
// rule out stays in.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzePaths } from '../../src/engine/analyze.js';
import { ArchView, loadKbuild } from '../../src/ingest/kbuild.js';

const LOCKS = `typedef struct { int l; } spinlock_t;
void spin_lock(spinlock_t *l);
void spin_unlock(spinlock_t *l);
`;

/** A driver whose lock is taken under `outer_lock` by each architecture's interrupt code. */
const driver = (name: string) =>
  `${LOCKS}extern spinlock_t outer_lock;\nvoid outer_op(void);\nspinlock_t ${name}_lock;\n` +
  `void ${name}_enable(void) {\n  spin_lock(&${name}_lock);\n  outer_op();\n  spin_unlock(&${name}_lock);\n}\n` +
  `void ${name}_notify(void) {\n  spin_lock(&${name}_lock);\n  spin_unlock(&${name}_lock);\n}\n`;
const archIrq = (arch: string, drivers: string[]) =>
  `${LOCKS}extern spinlock_t outer_lock;\n${drivers.map((d) => `void ${d}_notify(void);\n`).join('')}` +
  `void ${arch}_irq(void) {\n  spin_lock(&outer_lock);\n${drivers.map((d) => `  ${d}_notify();\n`).join('')}  spin_unlock(&outer_lock);\n}\n`;

const code: Record<string, string> = {
  'common/outer.c': `${LOCKS}spinlock_t outer_lock;\nvoid outer_op(void) {\n  spin_lock(&outer_lock);\n  spin_unlock(&outer_lock);\n}\n`,
  'drivers/iommu/iommu.c': driver('iommu'),
  'drivers/odd/odd.c': driver('odd'),
  'drivers/uart.c': driver('uart'),
  'drivers/core.c': driver('core'),
  'arch/x86/irq.c': archIrq('x86', ['iommu', 'odd', 'uart', 'core']),
  'arch/arm/irq.c': archIrq('arm', ['iommu', 'odd', 'uart', 'core']),
};

const kbuild: Record<string, string> = {
  Kconfig: 'mainmenu "Test"\n\nsource "arch/$(SRCARCH)/Kconfig"\nsource "drivers/Kconfig"\n',
  'arch/x86/Kconfig': 'config X86_64\n\tdef_bool y\n\nconfig X86\n\tdef_bool y\n\tselect HAS_IOMMU\n',
  'arch/arm/Kconfig': 'config ARM_64\n\tdef_bool y\n\tdepends on !ARM_32\n\nconfig ARM\n\tdef_bool y\n',
  'drivers/Kconfig': [
    'config HAS_IOMMU\n\tbool\n',
    // the help text's words are not dependencies
    'config IOMMU_DRV\n\tbool "IOMMU driver"\n\tdepends on X86 && HAS_IOMMU\n\thelp\n\t  Not for ARM.\n\t  depends on ARM\n',
    'config ODD\n\tbool "Odd driver"\n\tdepends on SOMETHING_ELSE || EXPERT\n',
    'if ARM\n\nconfig UART_DRV\n\tbool "UART"\n\tdefault y\n\nendif\n',
  ].join('\n'),
  'drivers/Makefile': 'obj-y += core.o\nobj-$(CONFIG_IOMMU_DRV) += iommu/\nobj-$(CONFIG_ODD) += odd/\nobj-$(CONFIG_UART_DRV) += uart.o\n',
  'drivers/iommu/Makefile': 'obj-y += iommu.o\n',
  'Makefile': 'obj-y += common/ drivers/\n',
};

function write(tree: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lockcheck-kbuild-'));
  for (const [p, t] of Object.entries(tree)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), t);
  }
  return dir;
}

/** Each lock-order cycle as `<driver> <the architecture code it goes through>`. */
async function cycles(dir: string): Promise<string[]> {
  const r = await analyzePaths([dir], { jobs: 1, confirm: false });
  return r.findings
    .filter((f) => f.rule === 'lock-inversion')
    .map((f) => `${/(\w+)_lock/.exec(f.message.replace(/outer_lock/g, ''))?.[1]} ${/\b(\w+)_irq\b/.exec(f.message)?.[1]}`)
    .sort();
}

describe('per-configuration file selection from Kconfig and Makefiles', () => {
  it('leaves a directory or file out of the configuration whose architecture its symbol cannot be set in', async () => {
    expect(await cycles(write({ ...code, ...kbuild }))).toEqual([
      'core arm', // obj-y: every configuration
      'core x86',
      'iommu x86', // a directory under a symbol that depends on X86: not in arm's program
      'odd arm', // dependencies the tree does not decide: kept
      'odd x86',
      'uart arm', // a file under a symbol inside `if ARM`
    ]);
  });

  it('changes nothing without Kconfig and Makefiles', async () => {
    expect(await cycles(write(code))).toEqual(['core arm', 'core x86', 'iommu arm', 'iommu x86', 'odd arm', 'odd x86', 'uart arm', 'uart x86']);
  });

  it('reads dependencies three-valued: the architecture\'s own symbols true, another\'s false, the rest unknown', () => {
    const dir = write({
      ...kbuild,
      'drivers/Kconfig': `${kbuild['drivers/Kconfig']}\nconfig SELECTED\n\tbool\n\tdepends on X86\n\nconfig ARM_FEATURE\n\tdef_bool y\n\tdepends on ARM\n\tselect SELECTED\n\nmenu "x86 only"\n\tdepends on X86\n\nconfig IN_MENU\n\tbool "in menu"\n\nendmenu\n`,
    });
    const kb = loadKbuild(dir, [join(dir, 'drivers')])!;
    const arm = new ArchView(kb, 'arm');
    const x86 = new ArchView(kb, 'x86');
    expect(arm.expr('!X86 || ODD')).toBe(true);
    expect(arm.expr('X86 && ODD')).toBe(false);
    expect(arm.expr('ARM_64')).toBeUndefined(); // its own, but conditional
    expect(x86.expr('X86 && X86_64')).toBe(true);
    expect(x86.expr('ODD')).toBeUndefined();
    expect(x86.expr('UART_DRV = n')).toBe(true);
    expect(arm.possible('IN_MENU')).toBe(false); // a menu's `depends on`
    expect(x86.possible('IN_MENU')).toBe(true);
    // `select` sets a symbol whatever its dependencies say
    expect(arm.possible('SELECTED')).toBe(true);
    expect(arm.excluded('drivers/iommu/iommu.c')).toBe(true);
    expect(arm.excluded('drivers/iommu/iommu.h')).toBe(true);
    expect(arm.excluded('drivers/core.c')).toBe(false);
    expect(x86.excluded('drivers/uart.c')).toBe(true);
  });
});
