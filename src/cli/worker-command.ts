// `lockcheck worker --queue redis://HOST:PORT`: runs the batch jobs `lockcheck mbox --queue`
// enqueues, until SIGINT or SIGTERM (then finishes the jobs under way). Any number of these,
// on any machines that see the same --tree and rule paths. Exit 2 when the queue is unreachable.
import { Command } from 'commander';
import { parseOrExitCode, type CliIO } from './parse.js';
import { QueueUnreachableError } from '../queue/connection.js';
import { startWorker } from '../queue/worker.js';

interface WorkerCliOptions {
  queue: string;
  jobs?: number;
  lockMs?: number;
  verbose?: boolean;
}

export async function workerCommand(argv: string[], io: CliIO): Promise<number> {
  let code = 0;
  const int = (v: string) => Number.parseInt(v, 10);
  const cmd = new Command('lockcheck worker');
  cmd
    .description('Run the message jobs of `lockcheck mbox --queue` from a shared Redis queue, until interrupted.')
    .requiredOption('--queue <url>', 'redis://HOST:PORT, the same as the writer')
    .option('-j, --jobs <n>', 'jobs at once, each in a worker thread (default 1)', int)
    .option('--lock-ms <ms>', "a job's lock: how soon the job of a worker that died is run by another (default 30000)", int)
    .option('--verbose', 'one line on stderr per job started and finished')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .action(async (o: WorkerCliOptions) => {
      const bad = (msg: string) => {
        io.stderr(`lockcheck worker: ${msg}\n`);
        code = 2;
      };
      if (o.jobs !== undefined && (!Number.isInteger(o.jobs) || o.jobs < 1)) return bad('--jobs takes a whole number of at least 1');
      if (o.lockMs !== undefined && (!Number.isInteger(o.lockMs) || o.lockMs < 1000)) return bad('--lock-ms takes a whole number of at least 1000');
      let w;
      try {
        w = await startWorker({
          url: o.queue,
          ...(o.jobs ? { concurrency: o.jobs } : {}),
          ...(o.lockMs ? { lockMs: o.lockMs } : {}),
          log: (l) => (o.verbose || l.startsWith('error') ? io.stderr(`lockcheck worker: ${l}\n`) : undefined),
        });
      } catch (e) {
        if (e instanceof QueueUnreachableError) return bad(e.message);
        throw e;
      }
      io.stderr(`lockcheck worker: ready on ${o.queue}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await w.close();
    });
  return (await parseOrExitCode(() => cmd.parseAsync(argv, { from: 'user' }), io)) ?? code;
}
