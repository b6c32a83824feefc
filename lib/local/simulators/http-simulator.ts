/**
 * The base of every vendor API simulator: a real HTTP server on 127.0.0.1 with a request log,
 * an injectable clock and a fault queue (429s, 5xx with HTML bodies, hangs, connection resets,
 * malformed bodies, slow answers). Vendor simulators only implement `route()`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What a fault does to the request it hits. */
export type Fault =
  /** Answer with this status (and optional body) instead of the real answer. */
  | { kind: 'status'; status: number; body?: string; contentType?: string; headers?: Record<string, string> }
  /** Never answer: the client's HTTP timeout must fire. The socket is closed when the simulator stops. */
  | { kind: 'hang' }
  /** Destroy the connection without answering (ECONNRESET on the client). */
  | { kind: 'reset' }
  /** Answer 200 with this body (truncated JSON, broken XML, a wrong shape). */
  | { kind: 'malformed'; body: string; contentType?: string }
  /**
   * Answer normally, but only later: after `ms` real milliseconds, or — independent of the
   * machine's speed — once the simulator has received `untilRequests` more requests (or
   * `releaseDelays()` is called, or it stops). With both, whichever comes first.
   */
  | { kind: 'delay'; ms?: number; untilRequests?: number }
  /**
   * Act on the request (a submit creates its job), then destroy the connection without answering:
   * a lost answer, as when a proxy or the network drops it. The client cannot tell it from `reset`.
   */
  | { kind: 'lostAnswer' };

/** Every fault kind with the fields it takes, for help texts (the type makes the list complete). */
export const FAULT_KINDS: Readonly<Record<Fault['kind'], string>> = {
  status: 'status (status, body)',
  hang: 'hang',
  reset: 'reset',
  malformed: 'malformed (body)',
  delay: 'delay (ms or untilRequests)',
  lostAnswer: 'lostAnswer',
};

/** A fault and which requests it applies to. */
export interface FaultRule {
  readonly fault: Fault;
  /** How many matching requests it hits before it is used up (default 1; Infinity allowed). */
  readonly times?: number;
  /** Only requests with this method (e.g. 'GET'). */
  readonly method?: string;
  /** Only requests whose path matches (substring or RegExp). */
  readonly path?: string | RegExp;
}

/** A request as the simulator saw it. Tests read these to check headers, bodies and order. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  /** Simulator clock (ms) when the request arrived. */
  readonly at: number;
  /** The status the simulator answered (undefined for hangs and resets). */
  status?: number;
  /** The status it would have answered, had a `lostAnswer` fault not dropped the connection. */
  lostAnswer?: number;
}

/** A request handed to a vendor simulator's router. */
export interface SimRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A vendor simulator's answer. Objects are sent as JSON. */
export interface SimResponse {
  readonly status: number;
  readonly body?: string | object;
  readonly contentType?: string;
  readonly headers?: Record<string, string>;
}

export const jsonResponse = (status: number, body: object): SimResponse => ({ status, body, contentType: 'application/json' });
export const xmlResponse = (status: number, body: string): SimResponse => ({ status, body, contentType: 'application/xml' });
export const textResponse = (status: number, body: string, contentType = 'text/plain'): SimResponse => ({ status, body, contentType });
export const emptyResponse = (status: number): SimResponse => ({ status });

/** An HTML error page such as a load balancer answers with during an outage. */
export const htmlErrorPage = (status: number, reason: string): string =>
  `<html><head><title>${status} ${reason}</title></head><body><center><h1>${status} ${reason}</h1></center><hr><center>nginx</center></body></html>`;

export interface HttpSimulatorOptions {
  /** Milliseconds since epoch; inject a virtual clock to run long jobs in no time. */
  readonly clock?: () => number;
}

const CONTROL_PREFIX = '/__simulator';

export abstract class HttpSimulator {
  /** Every request received, in order (control requests excluded). */
  readonly requests: RecordedRequest[] = [];
  protected readonly now: () => number;
  private readonly faults: Array<FaultRule & { remaining: number }> = [];
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  /** Delayed answers waiting for more requests: released when `requests` reaches `at`. */
  private readonly delayedAnswers: Array<{ readonly at: number; readonly release: () => void }> = [];
  private baseUrl?: string;

  constructor(options: HttpSimulatorOptions = {}) {
    this.now = options.clock ?? Date.now;
  }

  /** Short name used in logs and the `simulate` command. */
  abstract readonly system: string;

  /** Answer one (non-faulted) request. Throwing answers 500 with the error message. */
  protected abstract route(request: SimRequest): SimResponse | Promise<SimResponse>;

  /** A JSON snapshot of the simulator's state for `GET /__simulator/state`. */
  protected abstract snapshot(): object;

  /** Lines the `simulate` banner adds about what this simulator accepts (e.g. Boomi Hub's universe ids). */
  bannerLines(): string[] {
    return [];
  }

  /** Start listening; resolves with the server's root URL, e.g. `http://127.0.0.1:40123`. */
  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    if (this.baseUrl) return this.baseUrl;
    // A client that aborts its upload (e.g. a records stream that hit a bad line) rejects the body
    // read with ECONNRESET; drop that request instead of leaving an unhandled rejection.
    const server = createServer((req, res) => void this.handle(req, res).catch(() => res.destroy()));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const address = server.address() as AddressInfo;
    this.baseUrl = `http://${host}:${address.port}`;
    return this.baseUrl;
  }

  /** The root URL; throws if the simulator is not started. */
  get url(): string {
    if (!this.baseUrl) throw new Error(`${this.system} simulator is not started`);
    return this.baseUrl;
  }

  /** Stop listening and drop every open connection (including hung requests). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.baseUrl = undefined;
    this.releaseDelays();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Queue a fault. Faults are consumed in the order they were added. */
  injectFault(rule: FaultRule): this {
    if (rule.fault.kind === 'delay' && rule.fault.ms === undefined && rule.fault.untilRequests === undefined) throw new Error('a delay fault needs ms or untilRequests');
    this.faults.push({ ...rule, remaining: rule.times ?? 1 });
    return this;
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Answer every request a `delay` fault still holds. */
  releaseDelays(): void {
    for (const { release } of this.delayedAnswers.splice(0)) release();
  }

  /** Requests matching a method and a path substring or pattern. */
  requestsTo(method: string, path: string | RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && matches(r.path, path));
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const index = this.faults.findIndex(
      (rule) => rule.remaining > 0 && (!rule.method || rule.method === method) && (!rule.path || matches(path, rule.path)),
    );
    if (index < 0) return undefined;
    const rule = this.faults[index];
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.faults.splice(index, 1);
    return rule.fault;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const body = await readBody(req);
    const method = req.method ?? 'GET';

    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      this.control(method, url.pathname.slice(CONTROL_PREFIX.length), body, res);
      return;
    }

    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      at: this.now(),
    };
    this.requests.push(record);
    this.releaseDelayed();

    const fault = this.takeFault(method, url.pathname);
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'status') {
      record.status = fault.status;
      send(res, { status: fault.status, body: fault.body, contentType: fault.contentType ?? 'text/html', headers: fault.headers });
      return;
    }
    if (fault?.kind === 'malformed') {
      record.status = 200;
      send(res, { status: 200, body: fault.body, contentType: fault.contentType ?? 'application/json' });
      return;
    }
    if (fault?.kind === 'delay') await this.delay(fault);

    let response: SimResponse;
    try {
      response = await this.route({ method, path: url.pathname, query: url.searchParams, headers: req.headers, body });
    } catch (error) {
      response = textResponse(500, `simulator error: ${(error as Error).message}`);
    }
    if (fault?.kind === 'lostAnswer') {
      record.lostAnswer = response.status;
      req.socket.destroy();
      return;
    }
    record.status = response.status;
    send(res, response);
  }

  /** Resolves when a delay fault's time or request count has come, whichever first. */
  private delay(fault: Extract<Fault, { kind: 'delay' }>): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const release = () => {
        clearTimeout(timer);
        resolve();
      };
      if (fault.ms !== undefined) timer = setTimeout(release, fault.ms);
      if (fault.untilRequests !== undefined) {
        this.delayedAnswers.push({ at: this.requests.length + fault.untilRequests, release });
        this.releaseDelayed();
      }
    });
  }

  private releaseDelayed(): void {
    for (let i = this.delayedAnswers.length - 1; i >= 0; i--) {
      if (this.requests.length < this.delayedAnswers[i].at) continue;
      const [{ release }] = this.delayedAnswers.splice(i, 1);
      release();
    }
  }

  /** `GET /__simulator/state`, `POST /__simulator/faults` (a FaultRule as JSON), `DELETE /__simulator/faults`. */
  private control(method: string, path: string, body: string, res: ServerResponse): void {
    try {
      if (method === 'GET' && path === '/state') return send(res, jsonResponse(200, { system: this.system, ...this.snapshot() }));
      if (method === 'POST' && path === '/faults') {
        const rule = JSON.parse(body) as FaultRule & { path?: string };
        this.injectFault({ ...rule, times: rule.times ?? 1 });
        return send(res, jsonResponse(200, { queued: this.faults.length }));
      }
      if (method === 'DELETE' && path === '/faults') {
        this.clearFaults();
        return send(res, jsonResponse(200, { queued: 0 }));
      }
      send(res, jsonResponse(404, { message: `no control endpoint ${method} ${path}` }));
    } catch (error) {
      send(res, jsonResponse(400, { message: (error as Error).message }));
    }
  }
}

function matches(path: string, pattern: string | RegExp): boolean {
  return typeof pattern === 'string' ? path.includes(pattern) : pattern.test(path);
}

function send(res: ServerResponse, response: SimResponse): void {
  const headers: Record<string, string> = { ...response.headers };
  let payload: string | undefined;
  if (response.body !== undefined) {
    payload = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
    headers['content-type'] ??= response.contentType ?? 'application/json';
  }
  res.writeHead(response.status, headers);
  res.end(payload);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
