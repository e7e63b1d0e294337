/**
 * Progress of a long verification on stderr, so stdout stays the report. On a terminal, one line
 * rewritten in place; piped (a log, CI), a plain line every two seconds once a run has taken that
 * long — a short run prints nothing, a long one shows it is alive without filling the log.
 */
export function stderrProgress(enabled: boolean): {
  onProgress: (p: { readonly phase: string; readonly done: number; readonly total: number }) => void;
  end: () => void;
} {
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  let last = started;
  let shown = false;
  return {
    onProgress: ({ phase, done, total }) => {
      if (!enabled) return;
      const now = Date.now();
      if (tty) {
        if (now - last < 100 && done < total) return;
        last = now;
        shown = true;
        process.stderr.write(`\r\x1b[2K${phase} ${done}/${total}`);
      } else if (now - started >= 2_000 && now - last >= 2_000) {
        last = now;
        process.stderr.write(`${phase} ${done}/${total}\n`);
      }
    },
    end: () => {
      if (shown) process.stderr.write('\r\x1b[2K');
    },
  };
}
