// CPU seconds the calling thread has used (user + system), for LOCKCHECK_PROFILE: the
// process's own figure also counts the other threads (workers, the collector's helpers).
import { readFileSync } from 'node:fs';

export function threadCpuSeconds(): number | undefined {
  try {
    // fields after the command name: state is field 3, utime 14, stime 15 (clock ticks)
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return undefined;
  }
}
