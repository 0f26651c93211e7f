// A small glob matcher for `paths.include` / `paths.exclude` (`**`, `*`, `?`, `{a,b}`).

const cache = new Map<string, RegExp>();

function escape(ch: string): string {
  return /[.+^$()|[\]\\]/.test(ch) ? `\\${ch}` : ch;
}

/** Translates a glob to an anchored regular expression over `/`-separated paths. */
export function globToRegExp(glob: string): RegExp {
  const hit = cache.get(glob);
  if (hit) return hit;
  let src = '';
  let inBraces = false;
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*') {
      if (glob[i + 1] === '*') {
        const slashAfter = glob[i + 2] === '/';
        src += slashAfter ? '(?:.*/)?' : '.*';
        i += slashAfter ? 2 : 1;
      } else {
        src += '[^/]*';
      }
    } else if (ch === '?') src += '[^/]';
    else if (ch === '{') {
      inBraces = true;
      src += '(?:';
    } else if (ch === '}' && inBraces) {
      inBraces = false;
      src += ')';
    } else if (ch === ',' && inBraces) src += '|';
    else src += escape(ch);
  }
  // A pattern naming a directory (`drivers/net`) covers everything under it.
  const re = new RegExp(`^${src}(?:/.*)?$`);
  cache.set(glob, re);
  return re;
}

export function matchesAny(path: string, globs: readonly string[]): boolean {
  return globs.some((g) => globToRegExp(g.replace(/^\.\//, '')).test(path));
}

/** True when `path` is selected by `include` (empty = everything) and not by `exclude`. */
export function isPathSelected(path: string, paths: { include: readonly string[]; exclude: readonly string[] }): boolean {
  if (paths.include.length > 0 && !matchesAny(path, paths.include)) return false;
  return !matchesAny(path, paths.exclude);
}
