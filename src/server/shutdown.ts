import type { Logger } from 'pino';
import type { ParleyServer } from './app.js';

/**
 * SIGTERM/SIGINT: stop accepting, close sessions with 1001 and a reason, then
 * exit; if that takes longer than `timeoutMs`, exit anyway.
 */
export function installShutdown(server: ParleyServer, logger: Logger, timeoutMs: number, exit: (code: number) => void = process.exit): void {
  let started = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (started) {
      logger.warn({ signal }, 'second signal: exiting now');
      return exit(1);
    }
    started = true;
    logger.info({ signal, sessions: server.sessions.size, timeout_ms: timeoutMs }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeout_ms: timeoutMs }, 'shutdown timed out; exiting');
      exit(1);
    }, timeoutMs);
    timer.unref();
    server
      .shutdown('server shutting down')
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
