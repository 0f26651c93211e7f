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
}

export function batchProgress(stream: NodeJS.WriteStream = process.stderr, everyMs = 5000, log?: (s: string) => void): BatchProgress {
  const t0 = performance.now();
  const rate = (n: number) => (n / Math.max(0.001, (performance.now() - t0) / 1000)).toFixed(1);
  if (stream.isTTY && !log) {
    const bar = new cliProgress.SingleBar(
      { stream, format: '{value} messages | {patches} patches | {findings} findings | {failed} failed | {rate} msg/s | {duration_formatted}', hideCursor: true, clearOnComplete: true, noTTYOutput: false },
      cliProgress.Presets.shades_classic,
    );
    bar.start(0, 0, { patches: 0, findings: 0, failed: 0, rate: '0' });
    return {
      update: (c) => bar.update(c.done, { patches: c.patches, findings: c.findings, failed: c.failed, rate: rate(c.done) }),
      stop: () => bar.stop(),
    };
  }
  const write = log ?? ((s: string) => stream.write(s));
  let last = performance.now();
  const line = (c: Counts) =>
    `lockcheck mbox: ${c.done} messages${c.skippedResume ? ` (${c.skippedResume} done before)` : ''}, ${c.patches} patches, ${c.findings} findings, ${c.failed} failed, ${rate(c.done)} msg/s\n`;
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
  };
}
