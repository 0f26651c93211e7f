// Repository trees at a commit, fetched once per commit SHA through the tarball API and kept on disk.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

/** Streams `GET /repos/{owner}/{repo}/tarball/{ref}` (gzip) to `dest`. */
export type TarballDownloader = (owner: string, repo: string, sha: string, dest: string) => Promise<void>;

/** The tarball downloader on an Octokit instance (follows GitHub's redirect to the archive host). */
export function octokitTarballDownloader(octokit: { request: (route: string, params: Record<string, unknown>) => Promise<{ data: unknown }> }): TarballDownloader {
  return async (owner, repo, sha, dest) => {
    const res = await octokit.request('GET /repos/{owner}/{repo}/tarball/{ref}', {
      owner,
      repo,
      ref: sha,
      request: { parseSuccessResponseBody: false },
    });
    const body = res.data;
    if (body instanceof ArrayBuffer || Buffer.isBuffer(body)) {
      await pipeline(Readable.from([Buffer.from(body as ArrayBuffer)]), createWriteStream(dest));
    } else if (body && typeof (body as WebReadableStream).getReader === 'function') {
      await pipeline(Readable.fromWeb(body as WebReadableStream), createWriteStream(dest));
    } else {
      throw new Error(`tarball of ${owner}/${repo}@${sha}: unexpected response body`);
    }
  };
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.trim().slice(0, 500)}`))));
  });
}

/** Removes symbolic links so nothing in an untrusted tree points outside it. */
async function dropSymlinks(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isSymbolicLink()) await unlink(p);
    else if (entry.isDirectory()) await dropSymlinks(p);
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

export interface TreeCacheStats {
  fetches: number;
  hits: number;
}

/**
 * `root/<owner>/<repo>/<sha>/` holds the extracted tree; concurrent requests for one SHA share
 * one fetch. Past `maxTrees` trees, the least recently used ones that no job holds are removed.
 */
export class TreeCache {
  readonly stats: TreeCacheStats = { fetches: 0, hits: 0 };
  private readonly inflight = new Map<string, Promise<string>>();
  /** Tree dir -> nothing; Map order is least recently used first. */
  private readonly used = new Map<string, true>();
  private readonly pins = new Map<string, number>();
  private scanned = false;
  private readonly maxTrees: number;

  private readonly root: string;

  constructor(root: string, options: { maxTrees?: number } = {}) {
    this.root = resolve(root);
    this.maxTrees = Math.max(2, options.maxTrees ?? (Number(process.env.LOCKCHECK_CACHE_MAX_TREES) || 40));
  }

  /** Takes a tree for a job: it is not evicted until `release`. */
  async acquire(owner: string, repo: string, sha: string, download: TarballDownloader): Promise<string> {
    const dir = await this.get(owner, repo, sha, download);
    this.pins.set(dir, (this.pins.get(dir) ?? 0) + 1);
    this.used.delete(dir);
    this.used.set(dir, true);
    await this.evict();
    return dir;
  }

  release(dir: string): void {
    const n = (this.pins.get(dir) ?? 0) - 1;
    if (n > 0) this.pins.set(dir, n);
    else this.pins.delete(dir);
  }

  /** Trees left on disk by an earlier process count too, oldest first. */
  private async scan(): Promise<void> {
    if (this.scanned) return;
    this.scanned = true;
    const found: { dir: string; mtime: number }[] = [];
    const list = async (d: string): Promise<string[]> => readdir(d).catch(() => [] as string[]);
    for (const owner of await list(this.root)) {
      for (const repo of await list(join(this.root, owner))) {
        for (const sha of await list(join(this.root, owner, repo))) {
          const dir = join(this.root, owner, repo, sha);
          const st = await stat(join(dir, '.lockcheck-complete')).catch(() => undefined);
          if (st && !this.used.has(dir)) found.push({ dir, mtime: st.mtimeMs });
        }
      }
    }
    const current = [...this.used.keys()];
    this.used.clear();
    for (const f of found.sort((a, b) => a.mtime - b.mtime)) this.used.set(f.dir, true);
    for (const d of current) this.used.set(d, true);
  }

  private async evict(): Promise<void> {
    await this.scan();
    for (const dir of [...this.used.keys()]) {
      if (this.used.size <= this.maxTrees) return;
      if (this.pins.has(dir) || this.inflight.has(dir)) continue;
      this.used.delete(dir);
      await rm(dir, { recursive: true, force: true });
    }
  }

  dirFor(owner: string, repo: string, sha: string): string {
    if (!/^[0-9a-f]{7,64}$/i.test(sha)) throw new Error(`not a commit SHA: ${sha}`);
    const safe = (s: string): string => s.replace(/[^\w.-]/g, '_');
    return join(this.root, safe(owner), safe(repo), sha.toLowerCase());
  }

  /** The extracted tree of `owner/repo` at `sha`, fetching it only the first time. */
  get(owner: string, repo: string, sha: string, download: TarballDownloader): Promise<string> {
    const dir = this.dirFor(owner, repo, sha);
    const pending = this.inflight.get(dir);
    if (pending) {
      this.stats.hits++;
      return pending;
    }
    const p = (async () => {
      if (await exists(join(dir, '.lockcheck-complete'))) {
        this.stats.hits++;
        return dir;
      }
      this.stats.fetches++;
      const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
      await mkdir(tmp, { recursive: true });
      try {
        const archive = join(tmp, '..', `${sha}.tar.gz.${process.pid}`);
        await download(owner, repo, sha, archive);
        try {
          // GitHub's archives hold one top-level folder `<owner>-<repo>-<sha>/`.
          await run('tar', ['-xzf', archive, '-C', tmp, '--strip-components=1', '--no-same-owner', '--no-same-permissions']);
        } finally {
          await rm(archive, { force: true });
        }
        await dropSymlinks(tmp);
        await writeFile(join(tmp, '.lockcheck-complete'), `${owner}/${repo}@${sha}\n`);
        await rm(dir, { recursive: true, force: true });
        await rename(tmp, dir);
        return dir;
      } catch (e) {
        await rm(tmp, { recursive: true, force: true });
        throw e;
      }
    })();
    this.inflight.set(dir, p);
    p.then(
      () => this.inflight.delete(dir),
      () => this.inflight.delete(dir),
    );
    return p;
  }
}
