/** Aborts at SIGINT/SIGTERM; abort it yourself to remove the handlers. */
export function signalOnProcessStop(): AbortController {
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  ac.signal.addEventListener('abort', () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  });
  return ac;
}
