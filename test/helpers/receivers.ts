import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A real SMTP server on 127.0.0.1 that keeps every message it accepts, parsed. */
export class Inbox {
  readonly messages: ParsedMail[] = [];
  private server: SMTPServer | undefined;

  constructor(public port = 0) {}

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, _session, callback) => {
        simpleParser(stream)
          .then((mail) => {
            this.messages.push(mail);
            callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  /** Waits until `count` messages arrived (or throws after `timeoutMs`). */
  async waitFor(count: number, timeoutMs = 20_000): Promise<ParsedMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} messages, got ${this.messages.length}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.messages;
  }
}

/** One request the webhook receiver got. */
export interface Received {
  method: string;
  /** Path and query, as sent (`/v2/alerts/x/close?identifierType=alias`). */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  status: number;
}

/** What the receiver answers one request: a status, or a status with a body and headers (a service's documented reply). */
export type Reply = number | { status: number; body?: string; headers?: Record<string, string> };

/** A real HTTP receiver on 127.0.0.1; `replies` says what to answer, in order (then 200). */
export class WebhookReceiver {
  readonly requests: Received[] = [];
  private server: Server | undefined;
  port = 0;

  constructor(public replies: Reply[] = []) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const next = this.replies.shift() ?? 200;
        const reply = typeof next === 'number' ? { status: next } : next;
        this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, status: reply.status });
        res
          .writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers })
          .end(reply.body ?? (reply.status === 200 ? 'ok' : 'try later'));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** The base URL (`http://127.0.0.1:<port>`), for services whose paths the channel adds (Opsgenie). */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get url(): string {
    return `${this.origin}/hook`;
  }

  /** Requests answered 2xx. */
  delivered(): Received[] {
    return this.requests.filter((r) => r.status >= 200 && r.status < 300);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
