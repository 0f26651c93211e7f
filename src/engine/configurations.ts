// Build configurations of a tree with several architectures: common code plus one
// architecture's code and headers is one program (`arch/<A>/`, `include/asm-<A>/`,
// `arch/<A>/include/asm/`). Mutually exclusive word-size subdirectories of one architecture
// (`x86_32`/`x86_64`, `arm32`/`arm64`) split it further; of alternative page-table headers
// (`page-2level.h`, `page-3level.h` in one directory) the deepest is kept.
import { basename, dirname } from 'node:path';

export interface Configuration {
  /** `x86`, `x86_64`, `arm64`, ... */
  name: string;
  arch: string;
  /** Indices into the file list: common files and this configuration's own. */
  files: number[];
  /** Indices of the files only some configurations have (the architecture's own). */
  own: number[];
}

interface Place {
  arch: string;
  /** `32` / `64` when under a word-size subdirectory of the architecture. */
  bits?: string;
}

const ARCH_DIR = /.*(?:^|\/)arch\/([^/]+)\/(.*)$/;
const ASM_DIR = /.*(?:^|\/)include\/asm-([^/]+)\/(.*)$/;

/** The architecture a file belongs to, or undefined for common code. */
export function placeOf(file: string): Place | undefined {
  const p = file.replace(/\\/g, '/');
  const m = ASM_DIR.exec(p) ?? ARCH_DIR.exec(p);
  if (!m || m[1] === 'generic') return undefined;
  const arch = m[1]!;
  const rest = m[2]!.split('/').slice(0, -1);
  const word = new RegExp(`^(?:${arch.replace(/[^\w]/g, '')}_?)?(32|64)$`);
  for (const seg of rest) {
    const w = word.exec(seg);
    if (w) return { arch, bits: w[1] };
  }
  return { arch };
}

function configName(arch: string, bits: string | undefined): string {
  if (!bits) return arch;
  return /\d$/.test(arch) ? `${arch}_${bits}` : `${arch}${bits}`;
}

/** The longest directory prefix (ending in `/`) all files share. */
function commonDir(files: string[]): string {
  if (!files.length) return '';
  let prefix = files[0]!.replace(/\\/g, '/');
  prefix = prefix.slice(0, prefix.lastIndexOf('/') + 1);
  for (const f of files) {
    const p = f.replace(/\\/g, '/');
    while (prefix && !p.startsWith(prefix)) prefix = prefix.slice(0, prefix.lastIndexOf('/', prefix.length - 2) + 1);
  }
  return prefix;
}

/** Page-table header alternatives (`page-2level.h` beside `page-3level.h`): all but the deepest. */
function levelAlternatives(files: string[]): Set<number> {
  const groups = new Map<string, { i: number; n: number }[]>();
  files.forEach((f, i) => {
    const m = /^(.*)-(\d)level\.h$/.exec(basename(f));
    if (!m) return;
    const k = `${dirname(f)}\0${m[1]}`;
    const g = groups.get(k) ?? [];
    g.push({ i, n: Number(m[2]) });
    groups.set(k, g);
  });
  const out = new Set<number>();
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    const max = Math.max(...g.map((x) => x.n));
    for (const x of g) if (x.n !== max) out.add(x.i);
  }
  return out;
}

/**
 * The configurations of a file list, largest first; one (named '') when the tree has at most
 * one architecture, so a single-architecture tree is analysed as before.
 */
export function inferConfigurations(files: string[]): Configuration[] {
  // directories above the tree (a checkout under `.../arch/...`) say nothing
  const root = commonDir(files);
  const places = files.map((f) => placeOf(f.replace(/\\/g, '/').slice(root.length)));
  const arches = new Map<string, Set<string>>();
  for (const p of places) {
    if (!p) continue;
    const s = arches.get(p.arch) ?? new Set<string>();
    if (p.bits) s.add(p.bits);
    arches.set(p.arch, s);
  }
  const all = files.map((_, i) => i);
  if (arches.size === 0) return [{ name: '', arch: '', files: all, own: [] }];
  const dropped = levelAlternatives(files);
  const configs: Configuration[] = [];
  for (const [arch, bitsSet] of arches) {
    const variants = bitsSet.size >= 2 ? [...bitsSet].sort() : [undefined];
    for (const bits of variants) {
      const mine: number[] = [];
      const own: number[] = [];
      places.forEach((p, i) => {
        if (dropped.has(i)) return;
        if (!p) mine.push(i);
        else if (p.arch === arch && (!bits || !p.bits || p.bits === bits)) {
          mine.push(i);
          own.push(i);
        }
      });
      configs.push({ name: configName(arch, bits), arch, files: mine, own });
    }
  }
  if (configs.length === 1) return [{ ...configs[0]!, name: '', files: all }];
  // the largest first: it is analysed in full, the others against the closest one before them
  configs.sort((a, b) => b.own.length - a.own.length || a.name.localeCompare(b.name));
  return configs;
}

/** The configurations `--arch A` names: by configuration name, else every one of that architecture. */
export function selectConfigurations(configs: Configuration[], arch: string | undefined): Configuration[] {
  if (!arch) return configs;
  const exact = configs.filter((c) => c.name === arch);
  return exact.length ? exact : configs.filter((c) => c.arch === arch);
}
