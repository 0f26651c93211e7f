// Debian's linux-source-6.1 as a benchmark corpus: installs the package if needed and
// extracts the requested top-level directories once into bench/.cache/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const TARBALL = '/usr/src/linux-source-6.1.tar.xz';
export const CACHE = join(dirname(fileURLToPath(import.meta.url)), '..', '.cache');

export function linuxTree(parts = ['fs', 'kernel']) {
  const root = join(CACHE, 'linux-source-6.1');
  const missing = parts.filter((p) => !existsSync(join(root, p)));
  if (missing.length === 0) return root;
  if (!existsSync(TARBALL)) {
    process.stderr.write('bench: installing linux-source-6.1 (Debian package) ...\n');
    execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-q', 'linux-source-6.1'], { stdio: 'inherit' });
  }
  mkdirSync(CACHE, { recursive: true });
  process.stderr.write(`bench: extracting ${missing.join(', ')} from ${TARBALL} ...\n`);
  execFileSync('tar', ['xJf', TARBALL, '-C', CACHE, ...missing.map((p) => `linux-source-6.1/${p}`)], { stdio: 'inherit' });
  return root;
}
