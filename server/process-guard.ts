import type { Server } from 'node:http';
import type { Logger } from './logger.js';

/**
 * Errors a client can cause in a request's own streams (a connection reset, a truncated
 * multipart body): they concern one request, nothing shared is left half-changed, so the server
 * keeps serving. Each has a root fix where it arises; this is the last line of defence.
 */
const CLIENT_STREAM_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END', 'HPE_INVALID_EOF_STATE']);
const CLIENT_STREAM_MESSAGES = /^(Unexpected end of (form|file)|Malformed (part header|urlencoded form)|Malformed content type|Part terminated early|Request aborted|aborted)$/i;

export function isClientStreamError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  return (typeof e.code === 'string' && CLIENT_STREAM_CODES.has(e.code)) || (typeof e.message === 'string' && CLIENT_STREAM_MESSAGES.test(e.message));
}

/**
 * Last-resort process handlers. A rejected promise nobody awaited is logged and the server keeps
 * serving (no state is left half-written by a promise). An uncaught exception from a client's
 * stream is logged and the server keeps serving; any other uncaught exception may have left
 * memory in an unknown state, so the server stops accepting connections, lets requests in
 * flight finish (at most 10 s) and exits 1 for the supervisor (systemd Restart=always, a
 * container restart policy) to start it again.
 */
export function installProcessGuard(
  logger: Logger,
  server: () => Server | undefined,
  exit: (code: number) => void = (c) => process.exit(c),
  target: NodeJS.EventEmitter = process,
): () => void {
  let stopping = false;
  const onRejection = (reason: unknown) => {
    logger.error({ err: reason }, 'unhandled promise rejection (kept serving)');
  };
  const onException = (err: unknown) => {
    if (isClientStreamError(err)) {
      logger.error({ err }, 'uncaught error from a client stream (kept serving)');
      return;
    }
    logger.fatal({ err }, 'uncaught exception: stopping so the supervisor restarts the server');
    if (stopping) return;
    stopping = true;
    const s = server();
    const timer = setTimeout(() => exit(1), 10_000);
    timer.unref();
    if (s) s.close(() => exit(1));
    else exit(1);
  };
  target.on('unhandledRejection', onRejection);
  target.on('uncaughtException', onException);
  return () => {
    target.off('unhandledRejection', onRejection);
    target.off('uncaughtException', onException);
  };
}
