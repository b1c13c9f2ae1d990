/**
 * The event emitter of every layer: a Node `EventEmitter` whose `on`/`once`/`off`/`emit` are
 * checked against an event map, so an embedding client sees each event and its arguments in the
 * types, and `events.once(emitter, 'name')` / `events.on(emitter, 'name')` work as on any Node
 * emitter.
 *
 * Two differences from a plain `EventEmitter`, both so one listener cannot break the emitter's
 * own machinery (a socket's read loop, a sync loop):
 * - a listener that throws does not stop the others, and the emitter that called `emit` does not
 *   see the throw;
 * - a listener that returns a promise which rejects is caught too.
 * Either error goes to {@link TypedEmitter.onListenerError}, which by default emits it as
 * `'error'`. Node's semantics then hold: with no `'error'` listener, the error is thrown (here
 * from a microtask, so it becomes an `uncaughtException` rather than unwinding the emitter).
 */
import { EventEmitter } from 'node:events';

export type EventMap<E> = { [K in keyof E]: (...args: any[]) => unknown };

/** The `'error'` event every emitter has: a listener's failure, or the emitter's own. */
export interface ErrorEvent {
  error: (err: Error) => void;
}

type Events<E> = E & ErrorEvent;
/** The events of an emitter with event map `E`, `'error'` included. */
export type EventName<E> = keyof Events<E> & (string | symbol);
/** The listener type of event `K`. An `async` listener fits too (its rejection is caught). */
export type Listener<E, K extends EventName<E>> = Events<E>[K];
type Args<E, K extends EventName<E>> = Events<E>[K] extends (...args: infer A) => unknown ? A : never;

export class TypedEmitter<E extends EventMap<E>> extends EventEmitter {
  override on<K extends EventName<E>>(event: K, fn: Listener<E, K>): this {
    return super.on(event, fn as (...args: unknown[]) => void);
  }

  override addListener<K extends EventName<E>>(event: K, fn: Listener<E, K>): this {
    return super.addListener(event, fn as (...args: unknown[]) => void);
  }

  override prependListener<K extends EventName<E>>(event: K, fn: Listener<E, K>): this {
    return super.prependListener(event, fn as (...args: unknown[]) => void);
  }

  override once<K extends EventName<E>>(event: K, fn: Listener<E, K>): this {
    return super.once(event, fn as (...args: unknown[]) => void);
  }

  override prependOnceListener<K extends EventName<E>>(event: K, fn: Listener<E, K>): this {
    return super.prependOnceListener(event, fn as (...args: unknown[]) => void);
  }

  override off<K extends EventName<E>>(event: K, fn: Listener<E, K>): this {
    return super.off(event, fn as (...args: unknown[]) => void);
  }

  override removeListener<K extends EventName<E>>(event: K, fn: Listener<E, K>): this {
    return super.removeListener(event, fn as (...args: unknown[]) => void);
  }

  override listenerCount<K extends EventName<E>>(event: K): number {
    return super.listenerCount(event);
  }

  /**
   * Calls every listener of `event` in order; true if there was one. `'error'` keeps Node's
   * semantics exactly (thrown to the caller when nobody listens).
   */
  override emit<K extends EventName<E>>(event: K, ...args: Args<E, K>): boolean {
    if (event === 'error') return super.emit(event, ...args);
    const fns = this.rawListeners(event) as ((...a: unknown[]) => unknown)[];
    if (fns.length === 0) return false;
    for (const fn of fns) {
      try {
        const result = fn.apply(this, args);
        if (isThenable(result)) result.then(undefined, (err: unknown) => this.onListenerError(err, event));
      } catch (err) {
        this.onListenerError(err, event);
      }
    }
    return true;
  }

  /**
   * Called when a listener of `event` throws or its promise rejects. By default the error is
   * emitted as `'error'`; with no `'error'` listener it is rethrown from a microtask (Node's
   * unhandled-`'error'` behaviour, without unwinding the code that emitted).
   */
  protected onListenerError(err: unknown, _event: string | symbol): void {
    const error = err instanceof Error ? err : new Error(String(err));
    if (this.listenerCount('error') > 0) {
      super.emit('error', error);
      return;
    }
    queueMicrotask(() => {
      throw error;
    });
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}
