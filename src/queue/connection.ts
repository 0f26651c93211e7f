// Where the shared queue lives: a `redis://HOST:PORT[/DB]` URL, checked once up front so an
// unreachable server is one clear error naming the URL (the CLI exits 2), not endless retries.
import { Redis } from 'ioredis';

export class QueueUnreachableError extends Error {}

/** The URL as given, or an error saying what a queue URL looks like. */
export function parseQueueUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueUnreachableError(`--queue ${url}: not a URL (redis://HOST:PORT)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new QueueUnreachableError(`--queue ${url}: not a redis:// URL`);
  return u;
}

/** BullMQ connection options for the URL (retries forever once it was reachable). */
export function connectionFor(url: string): { url: string; maxRetriesPerRequest: null } {
  return { url, maxRetriesPerRequest: null };
}

/** Resolves when a Redis server answers PING at the URL; else a `QueueUnreachableError`. */
export async function checkReachable(url: string, timeoutMs = 3000): Promise<void> {
  parseQueueUrl(url);
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  let last = '';
  client.on('error', (e: Error) => (last = e.message));
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    const why = (e instanceof Error ? e.message : String(e)) || last;
    throw new QueueUnreachableError(`cannot reach the queue at ${url}: ${why}`);
  } finally {
    client.disconnect();
  }
}
