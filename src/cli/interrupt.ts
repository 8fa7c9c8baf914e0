/**
 * Ctrl-C as a request to stop, not a kill: the first SIGINT aborts the run through its
 * AbortSignal (the engines stop between chunks, and the CLI writes the cells that finished); a
 * second one exits at once, for a user who does not want to wait for that.
 *
 * One Ctrl-C can arrive more than once: the terminal signals the whole process group, and
 * scripts/launch.mjs (our parent under `npm run reproduce`) forwards its own copy. So a second
 * SIGINT counts only after REPEAT_MS; taking the echo for "quit now" would lose the result.
 */
export const INTERRUPTED_EXIT = 130;

const REPEAT_MS = 1000;

export interface Interrupt {
  readonly signal: AbortSignal;
  /** Whether SIGINT arrived. */
  readonly requested: boolean;
  dispose(): void;
}

export function listenForInterrupt(onFirst: () => void): Interrupt {
  const controller = new AbortController();
  let first = 0;
  const handler = () => {
    if (controller.signal.aborted) {
      if (Date.now() - first >= REPEAT_MS) process.exit(INTERRUPTED_EXIT);
      return;
    }
    first = Date.now();
    controller.abort(new DOMException('interrupted (SIGINT)', 'AbortError'));
    onFirst();
  };
  process.on('SIGINT', handler);
  return {
    signal: controller.signal,
    get requested() {
      return controller.signal.aborted;
    },
    dispose: () => process.off('SIGINT', handler),
  };
}
