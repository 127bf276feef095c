// Time and timers as an injected dependency, so every timer-driven rule (backoff, ping/pong deadline,
// staleness, post timeouts, ack deadlines) can be tested deterministically with a manual clock.

export type TimerHandle = unknown;

export interface VenueClock {
  /** Milliseconds; monotonic enough for ages and deadlines. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Wall-clock time with Node timers; timers are unref'd so they never keep a process alive on their own. */
export const systemClock: VenueClock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/** Minimal structured logger the venue writes to (pino satisfies it structurally). */
export interface VenueLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: VenueLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
