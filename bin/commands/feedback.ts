/**
 * Immediate feedback: a first line saying what the command is doing, before the slow part
 * (loading aws-cdk-lib and synthesizing takes seconds). On a terminal the line carries a spinner;
 * synthesis blocks the main thread, so the spinner runs in a worker that writes to the terminal's
 * file descriptor itself. Not on a terminal (CI, pipes, tests): one plain line, no spinner.
 */
import { Worker } from 'node:worker_threads';

export interface Activity {
  /** Stop the spinner (clearing its line) before the command prints anything else. */
  done(): Promise<void>;
}

const SPINNER_WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
let i = 0;
const draw = () => writeSync(workerData.fd, '\\r\\x1b[2K' + frames[i++ % frames.length] + ' ' + workerData.text);
draw();
const timer = setInterval(draw, 80);
parentPort.once('message', () => {
  clearInterval(timer);
  writeSync(workerData.fd, '\\r\\x1b[2K');
  process.exit(0);
});
`;

/** `text` (e.g. "Synthesizing pipelines.yaml…") on stdout, or on stderr when stdout holds JSON. */
export function activity(text: string, options: { readonly json?: boolean } = {}): Activity {
  const stream = options.json ? process.stderr : process.stdout;
  const live = stream.isTTY === true && !process.env.CI;
  if (!live) {
    stream.write(`${text}\n`);
    return { done: async () => undefined };
  }
  const worker = new Worker(SPINNER_WORKER, { eval: true, workerData: { fd: options.json ? 2 : 1, text } });
  worker.unref();
  return {
    done: () =>
      new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
      }),
  };
}
