import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout (one object a line), ready for any log shipper. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'dengbao' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'], remove: true },
  });
}
