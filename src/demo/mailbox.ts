import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A message the demo's mailbox caught, as the mailbox page lists it. */
export interface CaughtMail {
  /** 1, 2, 3... in order of arrival; also the name of its .eml file. */
  id: number;
  receivedAt: string;
  from: string;
  to: string;
  subject: string;
  /** The plain-text part (every alert email has one). */
  text: string;
  /** Where the raw message was saved. */
  file: string;
}

/** Messages kept in memory for the page; every one is on disk anyway. */
const KEEP = 500;

/**
 * The demo's local mailbox: a real SMTP server on 127.0.0.1 (no TLS, no auth) that keeps what it
 * receives, in memory for the dashboard's mailbox page and as `.eml` files in `dir` for any
 * mail client. The alert emails reach it through the email channel and nodemailer, as they
 * would reach a real server.
 */
export class DemoMailbox {
  private readonly mails: CaughtMail[] = [];
  private count = 0;
  private server: SMTPServer | undefined;
  port = 0;

  constructor(private readonly dir: string) {}

  async start(): Promise<this> {
    mkdirSync(this.dir, { recursive: true });
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      banner: 'driftwatch demo mailbox',
      onData: (stream, _session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('error', callback);
        stream.on('end', () => {
          this.keep(Buffer.concat(chunks)).then(() => callback(), callback);
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  /** The SMTP URL of the email channel. */
  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** The messages so far, newest first. */
  list(): readonly CaughtMail[] {
    return [...this.mails].reverse();
  }

  /** How many messages arrived (all of them, also those no longer in memory). */
  get received(): number {
    return this.count;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  private async keep(raw: Buffer): Promise<void> {
    const id = ++this.count;
    const file = join(this.dir, `${String(id).padStart(4, '0')}.eml`);
    writeFileSync(file, raw);
    const mail = await simpleParser(raw);
    const addresses = (a: typeof mail.to) => (a === undefined ? '' : (Array.isArray(a) ? a : [a]).map((x) => x.text).join(', '));
    this.mails.push({
      id,
      receivedAt: new Date().toISOString(),
      from: addresses(mail.from),
      to: addresses(mail.to),
      subject: mail.subject ?? '',
      text: mail.text ?? '',
      file,
    });
    if (this.mails.length > KEEP) this.mails.shift();
  }
}
