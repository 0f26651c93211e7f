// The exact pre- and post-image of every file a patch touches, from a git checkout: the
// `index <pre>..<post>` blob ids first, then the `base-commit:` trailer, then the checkout's
// own file with the fuzz-tolerant apply (forward, or reverse when the checkout already has the
// patch). Each file records where its pre-image came from.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DiffFile } from './diff.js';
import { applyFilePatch, reverseApplyFilePatch } from './apply.js';
import { isNullBlob, type BlobIds } from './blob-ids.js';
import { catBlob, showAtCommit } from './git.js';

export type PreimageSource =
  | 'blob' // `index` line's pre-image blob found in the tree's object store
  | 'base-commit' // `git show <base-commit>:<path>`
  | 'series' // the post-image of an earlier patch of the same series in this run
  | 'checkout' // the checkout's file, the patch applied to it (maybe with offset/fuzz)
  | 'checkout-reverse' // the checkout already has the patch: reverse-applied
  | 'new-file';

export interface FileImages {
  file: DiffFile;
  /** Repository-relative paths of the two sides (null: the file does not exist on that side). */
  prePath: string | null;
  postPath: string | null;
  pre: string | null;
  post: string | null;
  source: PreimageSource;
  /** How the hunks applied, when they were applied (`hunk 2 applied with offset 3`, ...). */
  applied: string[];
}

export type ImagesResult = { ok: true; images: FileImages } | { ok: false; reason: string; detail: string };

export interface PreimageContext {
  tree: string;
  blobs: Map<string, BlobIds>;
  baseCommit: string | null;
  /** Post-images of files touched by earlier patches of the same series (path -> text). */
  overlay?: Map<string, string>;
}

function readTreeFile(tree: string, path: string): string | null {
  const abs = join(tree, path);
  try {
    if (!existsSync(abs) || !statSync(abs).isFile()) return null;
    return readFileSync(abs, 'utf8');
  } catch {
    return null;
  }
}

/** Resolve both images of one file of a patch. Never throws. */
export function resolveImages(file: DiffFile, ctx: PreimageContext): ImagesResult {
  const prePath = file.status === 'added' ? null : (file.oldPath ?? file.path);
  const postPath = file.status === 'deleted' ? null : (file.newPath ?? file.path);
  const ids = ctx.blobs.get(file.path) ?? (prePath ? ctx.blobs.get(prePath) : undefined);
  const forward = (pre: string, source: PreimageSource): ImagesResult => {
    if (postPath === null) return { ok: true, images: { file, prePath, postPath, pre, post: null, source, applied: [] } };
    const r = applyFilePatch(pre, file);
    if (!r.ok) return { ok: false, reason: 'does-not-apply', detail: `${file.path}: ${r.reason} (pre-image from ${source})` };
    return { ok: true, images: { file, prePath, postPath, pre, post: r.text, source, applied: r.summary } };
  };
  if (prePath === null) return forward('', 'new-file');
  const fromSeries = ctx.overlay?.get(prePath);
  if (fromSeries !== undefined) return forward(fromSeries, 'series');
  if (ids && !isNullBlob(ids.pre)) {
    const pre = catBlob(ctx.tree, ids.pre);
    if (pre !== null) {
      const post = postPath !== null && !isNullBlob(ids.post) ? catBlob(ctx.tree, ids.post) : null;
      if (post !== null) return { ok: true, images: { file, prePath, postPath, pre, post, source: 'blob', applied: [] } };
      return forward(pre, 'blob');
    }
  }
  if (ctx.baseCommit) {
    const pre = showAtCommit(ctx.tree, ctx.baseCommit, prePath);
    if (pre !== null) return forward(pre, 'base-commit');
  }
  const current = readTreeFile(ctx.tree, prePath) ?? (postPath ? readTreeFile(ctx.tree, postPath) : null);
  if (current === null) return { ok: false, reason: 'missing-file', detail: `${prePath}: not in the tree and its pre-image blob is unknown` };
  const fwd = applyFilePatch(current, file);
  if (fwd.ok) {
    return { ok: true, images: { file, prePath, postPath, pre: current, post: postPath === null ? null : fwd.text, source: 'checkout', applied: fwd.summary } };
  }
  const rev = reverseApplyFilePatch(current, file);
  if (rev.ok) {
    return { ok: true, images: { file, prePath, postPath, pre: rev.text, post: postPath === null ? null : current, source: 'checkout-reverse', applied: rev.summary } };
  }
  return { ok: false, reason: 'does-not-apply', detail: `${file.path}: ${fwd.reason}` };
}
