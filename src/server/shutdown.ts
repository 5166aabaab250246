import type { Logger } from 'pino';
import type { ParleyServer } from './app.js';
import { GOODBYE_MS } from './drain.js';

export interface ShutdownTimes {
  /** How long live sessions may go on after the signal (PARLEY_DRAIN_TIMEOUT_MS). */
  drainMs: number;
  /** How long closing may take after that before the process exits anyway (PARLEY_SHUTDOWN_TIMEOUT_MS). */
  timeoutMs: number;
}

/**
 * SIGTERM/SIGINT: drain — no new sessions, `/readyz` unready, live sessions go on for up to
 * `drainMs`, then their agents say goodbye — flush the records and exit. If all that takes
 * longer than drain + goodbye + `timeoutMs`, exit anyway; a second signal exits at once.
 */
export function installShutdown(server: ParleyServer, logger: Logger, times: ShutdownTimes, exit: (code: number) => void = process.exit): void {
  let started = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (started) {
      logger.warn({ signal }, 'second signal: exiting now');
      return exit(1);
    }
    started = true;
    const capMs = times.drainMs + GOODBYE_MS + times.timeoutMs;
    logger.info({ signal, sessions: server.sessions.size, drain_ms: times.drainMs, timeout_ms: capMs }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeout_ms: capMs }, 'shutdown timed out; exiting');
      exit(1);
    }, capMs);
    timer.unref();
    server
      .shutdown('server shutting down', { drainMs: times.drainMs })
      .then(() => {
        logger.info('shutdown complete');
        logger.flush();
        exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        exit(1);
      });
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
