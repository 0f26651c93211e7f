// Batch progress: a cli-progress line (counts and rate) on a terminal, a plain line every few
// seconds otherwise (CI logs, redirected stderr).
import cliProgress from 'cli-progress';

export interface Counts {
  done: number;
  patches: number;
  findings: number;
  failed: number;
  skippedResume: number;
}

export interface BatchProgress {
  update(c: Counts): void;
  stop(c: Counts): void;
  /** The number of messages in the inputs, once counted: the progress then shows a percentage and an ETA. */
  total?(n: number): void;
}

/** ` of 21367 (12 %, ETA 4m 10s)` once the total is known. */
export function shareText(c: Counts, total: number | undefined, elapsedMs: number): string {
  if (!total) return '';
  const seen = c.done + c.skippedResume;
  const pct = Math.min(100, Math.floor((100 * seen) / total));
  const left = c.done > 0 ? Math.max(0, ((total - seen) * elapsedMs) / c.done / 1000) : undefined;
  const eta = left === undefined ? '?' : left >= 3600 ? `${Math.floor(left / 3600)}h ${Math.round((left % 3600) / 60)}m` : left >= 60 ? `${Math.floor(left / 60)}m ${Math.round(left % 60)}s` : `${Math.round(left)}s`;
  return ` of ${total} (${pct} %, ETA ${eta})`;
}

export function batchProgress(stream: NodeJS.WriteStream = process.stderr, everyMs = 5000, log?: (s: string) => void): BatchProgress {
  const t0 = performance.now();
  let total: number | undefined;
  const share = (c: Counts): string => shareText(c, total, performance.now() - t0);
  const rate = (n: number) => (n / Math.max(0.001, (performance.now() - t0) / 1000)).toFixed(1);
  if (stream.isTTY && !log) {
    const bar = new cliProgress.SingleBar(
      { stream, format: '{value} messages{share} | {patches} patches | {findings} findings | {failed} failed | {rate} msg/s | {duration_formatted}', hideCursor: true, clearOnComplete: true, noTTYOutput: false },
      cliProgress.Presets.shades_classic,
    );
    bar.start(0, 0, { share: '', patches: 0, findings: 0, failed: 0, rate: '0' });
    return {
      update: (c) => bar.update(c.done, { share: share(c), patches: c.patches, findings: c.findings, failed: c.failed, rate: rate(c.done) }),
      stop: () => bar.stop(),
      total: (n) => {
        total = n;
      },
    };
  }
  const write = log ?? ((s: string) => stream.write(s));
  let last = performance.now();
  const line = (c: Counts) =>
    `lockcheck mbox: ${c.done} messages${c.skippedResume ? ` (${c.skippedResume} done before)` : ''}${share(c)}, ${c.patches} patches, ${c.findings} findings, ${c.failed} failed, ${rate(c.done)} msg/s\n`;
  return {
    update(c) {
      const now = performance.now();
      if (now - last < everyMs) return;
      last = now;
      write(line(c));
    },
    stop(c) {
      write(line(c));
    },
    total(n) {
      total = n;
    },
  };
}
