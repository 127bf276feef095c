// Process-level shutdown: SIGINT/SIGTERM (or a --duration timer) start the graceful stop once — stop new
// entries, cancel resting orders, flatten (configurable), flush the journal — and the process exits with the
// stop's code. A second signal while that runs exits at once (the operator insists). The reference handled
// only SIGINT, so `docker stop` left resting orders behind (reference-system.md §1.4).

export interface ShutdownHooks {
  /** The graceful stop; resolves with the exit code. Called at most once. */
  stop(reason: string): Promise<number>;
  /** Where to say what is happening. */
  say?(text: string): void;
  /** Exit function (tests inject one). */
  exit?(code: number): void;
}

export interface ShutdownController {
  /** Starts the graceful stop (from a timer or the code); same path as a first signal. */
  trigger(reason: string): Promise<number>;
  /** Removes the signal handlers. */
  dispose(): void;
  readonly stopping: boolean;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export function installShutdown(hooks: ShutdownHooks): ShutdownController {
  const say = hooks.say ?? ((t: string) => process.stderr.write(`${t}\n`));
  const exit = hooks.exit ?? ((code: number) => process.exit(code));
  let running: Promise<number> | null = null;
  // Set once the stop has finished (flat and flushed): a later signal must not turn its code into 130.
  let finalCode: number | null = null;
  const trigger = (reason: string): Promise<number> => {
    running ??= hooks.stop(reason).then(
      (code) => {
        finalCode = code;
        return code;
      },
      (err: unknown) => {
        say(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
        finalCode = 1;
        return 1;
      },
    );
    return running;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (finalCode !== null) {
      say(`${signal}: the shutdown had already completed; exiting with its code ${finalCode}`);
      exit(finalCode);
      return;
    }
    if (running !== null) {
      say(`${signal} again: exiting now without waiting for the shutdown sequence`);
      exit(130);
      return;
    }
    say(`\n${signal}: stopping entries, cancelling resting orders, flattening, flushing the journal (again to exit at once)`);
    void trigger(signal);
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  return {
    trigger,
    dispose: () => {
      for (const s of SIGNALS) process.off(s, onSignal);
    },
    get stopping() {
      return running !== null;
    },
  };
}

/**
 * Runs until the graceful stop has completed and resolves with its exit code: `--duration` seconds (0 = no
 * limit) trigger the stop too. Keeps the process alive meanwhile (the timers and sockets are unref'd or owned
 * by the stop) and removes the signal handlers at the end.
 */
export async function untilStopped(ctl: ShutdownController, durationS: number): Promise<number> {
  if (durationS > 0) setTimeout(() => void ctl.trigger(`--duration ${durationS}`), durationS * 1000).unref();
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    return await new Promise<number>((resolveCode) => {
      const wait = () => {
        if (ctl.stopping) ctl.trigger('stop').then(resolveCode);
        else setTimeout(wait, 100).unref();
      };
      wait();
    });
  } finally {
    clearInterval(keepAlive);
    ctl.dispose();
  }
}
