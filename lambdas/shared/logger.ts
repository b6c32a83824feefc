/**
 * A tiny structured logger: one JSON line per entry. Handlers log ids, paths, states and
 * durations; they never hold the secret's text in a loggable form (see `SecretValue`), and any
 * field named like a credential is replaced before it is written.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogSink = (line: string) => void;

const CREDENTIAL_FIELD = /authorization|password|secret|token|api[-_]?key|credential/i;

let sink: LogSink = (line) => process.stdout.write(`${line}\n`);

/** Redirect every logger's output (the local runner collects handler logs this way). */
export function setLogSink(next: LogSink): LogSink {
  const previous = sink;
  sink = next;
  return previous;
}

export class Logger {
  constructor(private readonly context: Record<string, unknown> = {}) {}

  child(context: Record<string, unknown>): Logger {
    return new Logger({ ...this.context, ...context });
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    if (process.env.LOG_LEVEL === 'debug') this.write('debug', message, fields);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.write('info', message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.write('warn', message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.write('error', message, fields);
  }

  private write(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
    const entry = { level, message, timestamp: new Date().toISOString(), ...this.context, ...fields };
    sink(JSON.stringify(entry, (key, value) => (key && CREDENTIAL_FIELD.test(key) ? '[redacted]' : value)));
  }
}
