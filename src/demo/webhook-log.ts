import { appendFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DELIVERY_HEADER, SIGNATURE_HEADER, verifySignature } from '../alerts/channels/webhook/webhook.js';

/** Largest body the receiver reads (alert payloads are a few kB). */
const MAX_BODY = 1 << 20;

/**
 * The demo's webhook receiver: a real HTTP server on 127.0.0.1 that checks each POST's
 * `X-Driftwatch-Signature` as a receiver should (with the raw body) and appends one JSON line per
 * request to `file`: `{receivedAt, delivery, verified, payload}`. It answers 401 to a bad
 * signature, so a misconfigured secret shows up as a dead delivery, not as silence.
 */
export class DemoWebhookLog {
  private server: Server | undefined;
  port = 0;
  /** Requests with a valid signature. */
  verified = 0;

  constructor(
    private readonly file: string,
    private readonly secret: string,
  ) {}

  async start(): Promise<this> {
    writeFileSync(this.file, '');
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_BODY) chunks.push(c);
      });
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const verified = size <= MAX_BODY && verifySignature(this.secret, req.headers[SIGNATURE_HEADER], body);
        if (verified) this.verified++;
        let payload: unknown = null;
        try {
          payload = JSON.parse(body.toString('utf8'));
        } catch {
          payload = body.toString('utf8').slice(0, 500);
        }
        appendFileSync(
          this.file,
          `${JSON.stringify({ receivedAt: new Date().toISOString(), delivery: req.headers[DELIVERY_HEADER] ?? null, verified, payload })}\n`,
        );
        res.writeHead(verified ? 200 : 401, { 'content-type': 'text/plain' }).end(verified ? 'ok' : 'bad signature');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/driftwatch`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
}
