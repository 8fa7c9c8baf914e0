/**
 * Ctrl-C as a request to stop, not a kill: the first SIGINT aborts the run through its
 * AbortSignal (the engines stop between chunks, and the CLI writes the cells that finished); a
 * second one exits at once, for a user who does not want to wait for that.
 */
export const INTERRUPTED_EXIT = 130;

export interface Interrupt {
  readonly signal: AbortSignal;
  /** Whether SIGINT arrived. */
  readonly requested: boolean;
  dispose(): void;
}

export function listenForInterrupt(onFirst: () => void): Interrupt {
  const controller = new AbortController();
  const handler = () => {
    if (controller.signal.aborted) process.exit(INTERRUPTED_EXIT);
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
