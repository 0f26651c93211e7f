// compile_commands.json (clang's JSON compilation database): the files one build compiles,
// with the `-D` defines and `-I` include directories it passes.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

export interface CompileDatabase {
  /** The compiled sources, absolute. */
  files: string[];
  /** `-D NAME[=VALUE]` of any entry (a build passes the same configuration to every file). */
  defines: Record<string, string>;
  /** `-I DIR` / `-iquote DIR` / `-isystem DIR`, absolute. */
  includeDirs: string[];
}

/** Splits a shell command line: spaces, single and double quotes, backslash escapes. */
function shellWords(cmd: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = '';
  let has = false;
  for (let i = 0; i < cmd.length; i++) {
    const ch = cmd[i]!;
    if (quote) {
      if (ch === quote) quote = '';
      else if (ch === '\\' && quote === '"' && i + 1 < cmd.length) cur += cmd[++i];
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (ch === '\\' && i + 1 < cmd.length) {
      cur += cmd[++i];
      has = true;
    } else if (/\s/.test(ch)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else cur += ch;
  }
  if (has || cur) out.push(cur);
  return out;
}

export function parseCompileCommands(text: string, file = 'compile_commands.json'): CompileDatabase {
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(entries)) throw new Error(`${file}: expected an array of compile commands`);
  const files: string[] = [];
  const seen = new Set<string>();
  const defines: Record<string, string> = {};
  const includeDirs: string[] = [];
  const seenDirs = new Set<string>();
  for (const [i, e] of entries.entries()) {
    const entry = e as { directory?: unknown; file?: unknown; command?: unknown; arguments?: unknown };
    if (typeof entry.directory !== 'string' || typeof entry.file !== 'string') throw new Error(`${file}: entry ${i} needs "directory" and "file"`);
    const dir = entry.directory;
    const abs = (p: string) => (isAbsolute(p) ? p : resolve(dir, p));
    const src = abs(entry.file);
    if (!seen.has(src)) {
      seen.add(src);
      files.push(src);
    }
    const args = Array.isArray(entry.arguments) ? entry.arguments.map(String) : typeof entry.command === 'string' ? shellWords(entry.command) : [];
    for (let j = 0; j < args.length; j++) {
      const a = args[j]!;
      const takes = (flag: string): string | undefined => (a === flag ? args[++j] : a.startsWith(flag) ? a.slice(flag.length) : undefined);
      const d = takes('-D');
      if (d !== undefined) {
        const m = /^([A-Za-z_]\w*)(?:=(.*))?$/.exec(d);
        if (m) defines[m[1]!] = m[2] ?? '1';
        continue;
      }
      const inc = takes('-I') ?? takes('-iquote') ?? takes('-isystem');
      if (inc !== undefined && inc !== '') {
        const p = abs(inc);
        if (!seenDirs.has(p)) {
          seenDirs.add(p);
          includeDirs.push(p);
        }
      }
    }
  }
  return { files, defines, includeDirs };
}

export function readCompileCommands(file: string): CompileDatabase {
  return parseCompileCommands(readFileSync(file, 'utf8'), file);
}
