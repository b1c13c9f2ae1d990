/**
 * A small typed event emitter: `on`/`once`/`off`/`emit` checked against an event map, so an
 * embedding client sees every event and its arguments in the types. A listener that throws
 * does not stop the others; the error is reported to the emitter's `onListenerError`.
 */
export type EventMap<E> = { [K in keyof E]: (...args: any[]) => void };

export class TypedEmitter<E extends EventMap<E>> {
  private listeners = new Map<keyof E, Set<E[keyof E]>>();

  on<K extends keyof E>(event: K, fn: E[K]): this {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn);
    return this;
  }

  once<K extends keyof E>(event: K, fn: E[K]): this {
    const wrapper = ((...args: Parameters<E[K]>) => {
      this.off(event, wrapper);
      fn(...args);
    }) as E[K];
    return this.on(event, wrapper);
  }

  off<K extends keyof E>(event: K, fn: E[K]): this {
    this.listeners.get(event)?.delete(fn);
    return this;
  }

  listenerCount<K extends keyof E>(event: K): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  protected emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        fn(...args);
      } catch (err) {
        this.onListenerError(err, String(event));
      }
    }
  }

  /** Called when a listener throws; by default rethrows asynchronously so it is not lost. */
  protected onListenerError(err: unknown, _event: string): void {
    queueMicrotask(() => {
      throw err;
    });
  }

  /** Drops every listener (used when an object is finished). */
  protected removeAllListeners(): void {
    this.listeners.clear();
  }
}
