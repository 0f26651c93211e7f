// What a git diff says about the exact versions it was made from: the `index <pre>..<post>`
// blob ids of each file section and the `base-commit:` trailer `git format-patch --base` adds.

export interface BlobIds {
  /** Abbreviated (or full) blob id of the pre-image; all zeros for a new file. */
  pre: string;
  post: string;
}

const ZERO = /^0+$/;

/** Blob ids per path (both the old and the new name of a section map to its ids). */
export function blobIdsByPath(diffText: string): Map<string, BlobIds> {
  const out = new Map<string, BlobIds>();
  let names: string[] = [];
  for (const raw of diffText.split('\n')) {
    const line = raw.replace(/\r$/, '');
    let m: RegExpExecArray | null;
    if ((m = /^diff --git "?a\/(.+?)"? "?b\/(.+?)"?$/.exec(line))) {
      names = [m[1] ?? '', m[2] ?? ''].filter((n) => n.length > 0);
    } else if ((m = /^index ([0-9a-fA-F]{4,64})\.\.([0-9a-fA-F]{4,64})\b/.exec(line)) && names.length) {
      const ids = { pre: (m[1] ?? '').toLowerCase(), post: (m[2] ?? '').toLowerCase() };
      for (const n of names) out.set(n, ids);
      names = [];
    }
  }
  return out;
}

/** `base-commit: <sha>` anywhere in the mail (format-patch puts it after the diff). */
export function baseCommitOf(text: string): string | null {
  const m = /^base-commit: ([0-9a-fA-F]{7,64})\s*$/m.exec(text);
  return m ? (m[1] ?? '').toLowerCase() : null;
}

export function isNullBlob(id: string | undefined): boolean {
  return id === undefined || ZERO.test(id);
}
