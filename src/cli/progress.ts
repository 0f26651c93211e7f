// Progress on a terminal: a bar while files are parsed, then one line per later stage (call
// graph and summaries, checkers, models), each replacing the last, with the time so far.
// Nothing when stderr is not a TTY (CI logs stay clean).
import cliProgress from 'cli-progress';

export interface ProgressReporter {
  update: (done: number, total: number) => void;
  phase: (name: string) => void;
  stop: () => void;
}

export function progressReporter(stream: NodeJS.WriteStream = process.stderr): ProgressReporter | undefined {
  if (!stream.isTTY) return undefined;
  const bar = new cliProgress.SingleBar(
    { stream, format: 'parsing [{bar}] {value}/{total} files {percentage}% {eta_formatted} left', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  const t0 = performance.now();
  let started = false;
  let line = false;
  const endBar = (): void => {
    if (started) bar.stop();
    started = false;
  };
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
    phase(name) {
      endBar();
      // the later stages run on this thread without yielding: written at once, not on a timer
      stream.write(`\r\x1b[K${name}... (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      line = true;
    },
    stop() {
      endBar();
      if (line) stream.write('\r\x1b[K');
      line = false;
    },
  };
}
