// A small C repository at a base and a head commit, registered with the stand-in as one pull request.
import type { GitHubStandIn, StandInFile } from './github-stand-in.js';
import { makeTarball, patchFor, sha } from './harness.js';

export const FILE = 'xen/common/sched.c';

/** 400 lines of C; `markers` maps a line number to the marker text put on it. */
export function sourceWith(markers: Record<number, string>, lines = 400): string {
  const out: string[] = [];
  for (let i = 1; i <= lines; i++) {
    const m = markers[i];
    out.push(m !== undefined ? `    spin_lock(&b->lock); /* ${m} */` : `static int f_${i}(void) { return ${i}; }`);
  }
  return out.join('\n');
}

export interface Commit {
  sha: string;
  files: Record<string, string>;
}

export function commit(seed: string, files: Record<string, string>): Commit {
  return { sha: sha(seed), files };
}

/** Registers the commits' tarballs and pull request `number` from `base` to `head`. */
export function openPull(github: GitHubStandIn, number: number, base: Commit, head: Commit, changedLines: Record<string, number[]>): void {
  for (const c of [base, head]) if (!github.tarballs.has(c.sha)) github.tarballs.set(c.sha, makeTarball(c.files, c.sha));
  const files: StandInFile[] = Object.entries(changedLines).map(([filename, lines]) => ({
    filename,
    status: base.files[filename] === undefined ? 'added' : 'modified',
    patch: patchFor(base.files[filename], head.files[filename] ?? '', lines),
  }));
  github.pulls.set(number, { number, headSha: head.sha, baseSha: base.sha, files });
}
