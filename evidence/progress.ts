/**
 * Progress on stderr: on a terminal, one spinner line rewritten in place; off a
 * terminal (CI logs), one plain line per finished step. Nothing is printed for a
 * step that fails, so the one-line cause stays the first thing a reader sees.
 */
export interface Progress {
  /** A step starts (shown only on a terminal). */
  start(step: string): void;
  /** The step finished. */
  done(step: string, detail?: string): void;
  warn(message: string): void;
  /** Clears the live line (before printing results or an error). */
  clear(): void;
}

const FRAMES = ['-', '\\', '|', '/'];

/**
 * TRUST_PROFILE=1: every finished step's line also says how long the step took (from its
 * start()) and when it finished, in ms since the process started, so a run's lines are a
 * timeline of where the time went. Off by default: the times would make logs differ.
 */
const PROFILE = Boolean(process.env.TRUST_PROFILE);
const startedAt = new Map<string, number>();
/** The moment a held line's step really finished (heldProgress prints it later). */
let finishedAt: number | undefined;

export function profileDetail(step: string, detail: string | undefined, profile = PROFILE, at = finishedAt ?? performance.now()): string | undefined {
  if (!profile) return detail;
  const t0 = startedAt.get(step);
  const times = `${t0 === undefined ? '' : `took ${Math.round(at - t0)} ms, `}at ${Math.round(at)} ms`;
  return detail ? `${detail}; ${times}` : times;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr, quiet = false): Progress {
  const tty = Boolean(stream.isTTY) && !process.env.CI;
  let current = '';
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  let started = 0;
  const draw = () => {
    stream.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${current} ${((performance.now() - started) / 1000).toFixed(1)}s`);
  };
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
    if (tty && current) stream.write('\r\x1b[2K');
    current = '';
  };
  return {
    start(step) {
      if (quiet) return;
      started = performance.now();
      if (PROFILE) startedAt.set(step, started);
      if (!tty) return;
      stop();
      current = step;
      draw();
      timer = setInterval(draw, 100);
      timer.unref();
    },
    done(step, detail) {
      if (quiet) return;
      stop();
      detail = profileDetail(step, detail);
      stream.write(`${tty ? '\u2713 ' : ''}${step}${detail ? ` (${detail})` : ''}\n`);
    },
    warn(message) {
      stop();
      stream.write(`${message}\n`);
    },
    clear: stop,
  };
}

export const silentProgress: Progress = { start() {}, done() {}, warn() {}, clear() {} };

/**
 * Holds finished-step lines until release(): steps that run alongside a check which may
 * still fail (the catalog, the connection) must not print before its one-line cause.
 * Held lines are dropped when release() is never called.
 */
export function heldProgress(inner: Progress): Progress & { release(): void } {
  let held: (() => void)[] | null = [];
  const later = (f: () => void) => (held ? held.push(f) : f());
  return {
    start: (step) => inner.start(step),
    done: (step, detail) => {
      const at = performance.now();
      later(() => {
        finishedAt = at;
        try {
          inner.done(step, detail);
        } finally {
          finishedAt = undefined;
        }
      });
    },
    warn: (message) => later(() => inner.warn(message)),
    clear: () => inner.clear(),
    release() {
      const lines = held ?? [];
      held = null;
      for (const f of lines) f();
    },
  };
}
