// Where the dev corpus and its Xen snapshots are, fetched into bench/.cache/ on first use.
//   shared/:  $LOCKCHECK_SHARED, else ../shared beside the repo root, else ../shared beside the
//             main checkout of a git worktree.
//   trees:    $LOCKCHECK_SNAPS or /work/snaps/<12hex>/ when present (a machine that has them extracted), else
//             `git archive snap/<12hex>` from our own clone of the bundle into bench/.cache/snaps/.
//   checkouts (for `lockcheck patch --tree`, which reads pre-images and greps callees with git):
//             git worktrees of that clone under bench/.cache/wt/<12hex>/.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ROOT } from './lockcheck-run.mjs';

export const CACHE = join(ROOT, 'bench', '.cache');
// A machine may have every snapshot extracted already; LOCKCHECK_SNAPS names another such folder.
const PREBUILT_SNAPS = process.env.LOCKCHECK_SNAPS ?? '/work/snaps';

function git(dir, args, opts = {}) {
  return execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

export function sharedDir() {
  const cands = [];
  if (process.env.LOCKCHECK_SHARED) cands.push(resolve(process.env.LOCKCHECK_SHARED));
  cands.push(join(ROOT, '..', 'shared'));
  try {
    const common = resolve(ROOT, git(ROOT, ['rev-parse', '--git-common-dir']).trim());
    cands.push(join(dirname(common), '..', 'shared'));
  } catch {
    /* not a git checkout */
  }
  const hit = cands.find((d) => existsSync(d));
  if (!hit) throw new Error(`no shared/ directory (tried ${cands.join(', ')}); set LOCKCHECK_SHARED`);
  return hit;
}

export const short = (commit) => commit.slice(0, 12);

let repo;
/** Our own clone of the snapshots bundle (tags snap/<12hex>). */
export function snapsRepo() {
  if (repo) return repo;
  const dir = join(CACHE, 'xen-snaps');
  if (!existsSync(join(dir, '.git'))) {
    const bundle = join(sharedDir(), 'devcorpus', 'xen-snapshots.bundle');
    process.stderr.write(`bench: cloning ${bundle} into ${dir} ...\n`);
    mkdirSync(CACHE, { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    execFileSync('git', ['clone', '-q', '--no-checkout', bundle, dir], { stdio: 'inherit' });
    // A bundle clone maps branches to remotes; make sure every snap/ tag is local.
    git(dir, ['fetch', '-q', bundle, 'refs/tags/*:refs/tags/*']);
  }
  repo = dir;
  return dir;
}

/** The extracted xen/ tree of a snapshot (read-only use). */
export function snapTree(commit) {
  const s = short(commit);
  const pre = join(PREBUILT_SNAPS, s);
  if (existsSync(join(pre, 'common'))) return pre;
  const dir = join(CACHE, 'snaps', s);
  if (!existsSync(join(dir, 'common'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    execFileSync('sh', ['-c', `git -C "$1" archive "snap/$2" | tar -x -C "$3"`, 'sh', snapsRepo(), s, dir], { stdio: 'inherit' });
  }
  return dir;
}

/** A git checkout of a snapshot, for patch mode. */
export function snapCheckout(commit) {
  const s = short(commit);
  const dir = join(CACHE, 'wt', s);
  if (!existsSync(join(dir, '.git'))) {
    const r = snapsRepo();
    rmSync(dir, { recursive: true, force: true });
    try {
      git(r, ['worktree', 'prune']);
    } catch {
      /* nothing to prune */
    }
    mkdirSync(dirname(dir), { recursive: true });
    git(r, ['worktree', 'add', '-q', '--detach', dir, `snap/${s}`]);
  }
  return dir;
}

/** `git diff snap/<from> snap/<to> -- paths` from our clone. Paths are relative to xen/. */
export function snapDiff(from, to, paths) {
  return git(snapsRepo(), ['diff', `snap/${short(from)}`, `snap/${short(to)}`, '--', ...paths]);
}

/**
 * The cache key of this checkout's code: the committed trees of src/, rules/, bin/ and the
 * lockfile (so a commit that only touches bench/ or docs/ reuses results) plus a hash of the
 * uncommitted changes to src/ and rules/ (so a dirty tree never reuses the clean one's).
 */
export function codeVersion() {
  const head = git(ROOT, ['rev-parse', 'HEAD']).trim();
  const trees = git(ROOT, ['rev-parse', 'HEAD:src', 'HEAD:rules', 'HEAD:bin', 'HEAD:package-lock.json']).trim();
  const dirty = git(ROOT, ['diff', 'HEAD', '--', 'src', 'rules']);
  const untracked = git(ROOT, ['ls-files', '--others', '--exclude-standard', '--', 'src', 'rules']).trim();
  const h = createHash('sha256').update(trees).update(dirty);
  for (const f of untracked.split('\n').filter(Boolean)) h.update(f).update(readFileSync(join(ROOT, f)));
  return { head, dirty: dirty.length > 0 || untracked.length > 0, key: h.digest('hex') };
}

export function cacheKey(version, ...parts) {
  return createHash('sha256').update([version.key, ...parts].join('\0')).digest('hex').slice(0, 24);
}
