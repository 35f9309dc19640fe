import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { DeliveryError } from '../../types.js';
import type { Notification } from '../../../contracts/alert.js';
import { renderEmail } from '../../../render/mail/alert.js';
import { fakeNotification } from '../../../../test/helpers/notifications.js';
import { EmailChannel } from './email.js';

// ---------------------------------------------------------------------------------------------
// A real SMTP server on 127.0.0.1.
// ---------------------------------------------------------------------------------------------

interface Received {
  raw: Buffer;
  mail: ParsedMail;
  secure: boolean;
  user: string | undefined;
  envelopeTo: string[];
}

interface TestSmtp {
  port: number;
  messages: Received[];
  close(): Promise<void>;
}

async function startSmtp(options: SMTPServerOptions = {}): Promise<TestSmtp> {
  const messages: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    ...options,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (mail) => {
            messages.push({
              raw,
              mail,
              secure: session.secure,
              user: typeof session.user === 'string' ? session.user : undefined,
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            });
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, messages, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function channelFor(port: number, extra: Partial<ConstructorParameters<typeof EmailChannel>[0]> = {}): EmailChannel {
  return new EmailChannel({
    name: 'oncall-email',
    smtpUrl: `smtp://127.0.0.1:${port}`,
    from: 'driftwatch <driftwatch@example.com>',
    to: ['oncall@example.com', 'ml-team@example.com'],
    timeoutMs: 5000,
    ...extra,
  });
}

async function sendExpectingError(channel: EmailChannel, notification: Notification): Promise<DeliveryError> {
  try {
    await channel.send(notification);
  } catch (error) {
    assert.ok(error instanceof DeliveryError, `expected a DeliveryError, got ${String(error)}`);
    return error;
  } finally {
    channel.close();
  }
  assert.fail('send succeeded, expected a DeliveryError');
}

// ---------------------------------------------------------------------------------------------
// Tests.
// ---------------------------------------------------------------------------------------------

describe('EmailChannel over plain SMTP', () => {
  let smtp: TestSmtp;
  let message: Received;
  before(async () => {
    smtp = await startSmtp();
    const channel = channelFor(smtp.port);
    try {
      await channel.send(fakeNotification());
    } finally {
      channel.close();
    }
    assert.equal(smtp.messages.length, 1, 'one send gives one message');
    message = smtp.messages[0]!;
  });
  after(() => smtp.close());

  it('sends to every recipient with the contract subject', () => {
    assert.deepEqual(message.envelopeTo, ['oncall@example.com', 'ml-team@example.com']);
    assert.equal(message.mail.subject, '[driftwatch] FIRING fraud: 3 drifted (amount, merchant_country, <b>x</b>)');
  });

  it('marks the delivery so duplicates are detectable', () => {
    assert.equal(message.mail.headers.get('x-driftwatch-delivery'), 'dlv-0001');
    assert.equal(message.mail.messageId, '<driftwatch.dlv-0001@example.com>');
  });

  it('has an HTML part with every drifted feature, escaped', () => {
    const html = message.mail.html;
    assert.ok(typeof html === 'string');
    for (const name of ['amount', 'merchant_country', '&lt;b&gt;x&lt;/b&gt;']) assert.ok(html.includes(name), `HTML shows ${name}`);
    assert.ok(!html.includes('<b>x</b>'), 'a feature name is text, never markup');
    assert.ok(!html.includes('<script>'), 'schema examples are escaped too');
  });

  it('has the rendered text part, as renderEmail makes it', () => {
    assert.equal(message.mail.text?.trimEnd(), renderEmail(fakeNotification()).text.trimEnd());
  });
});

describe('EmailChannel failures', () => {
  it('is retriable when no SMTP server listens', async () => {
    const error = await sendExpectingError(channelFor(await closedPort()), fakeNotification());
    assert.equal(error.retriable, true);
    assert.match(error.message, /oncall-email/);
  });

  it('is permanent when the server answers 550 to the recipients', async () => {
    const smtp = await startSmtp({
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
      },
    });
    try {
      const error = await sendExpectingError(channelFor(smtp.port), fakeNotification());
      assert.equal(error.retriable, false, error.message);
      assert.match(error.message, /550/);
      assert.equal(smtp.messages.length, 0);
    } finally {
      await smtp.close();
    }
  });

  it('is retriable when the server answers 451 (try again later)', async () => {
    const smtp = await startSmtp({
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error('greylisted, try again later'), { responseCode: 451 }));
      },
    });
    try {
      const error = await sendExpectingError(channelFor(smtp.port), fakeNotification());
      assert.equal(error.retriable, true, error.message);
    } finally {
      await smtp.close();
    }
  });

  it('delivers to the accepted recipients when the server refuses some', async () => {
    const smtp = await startSmtp({
      onRcptTo(address, _session, callback) {
        if (address.address.startsWith('ml-team')) callback(Object.assign(new Error('no such user'), { responseCode: 550 }));
        else callback();
      },
    });
    const warnings: unknown[] = [];
    const channel = channelFor(smtp.port, { logger: { warn: (...args: unknown[]) => void warnings.push(args) } });
    try {
      await channel.send(fakeNotification());
      assert.equal(smtp.messages.length, 1);
      assert.deepEqual(smtp.messages[0]?.envelopeTo, ['oncall@example.com']);
      assert.equal(warnings.length, 1, 'the refused recipient is reported');
    } finally {
      channel.close();
      await smtp.close();
    }
  });

  it('refuses a URL that is not smtp(s) without repeating it', () => {
    assert.throws(
      () => new EmailChannel({ name: 'x', smtpUrl: 'http://user:hunter2@host', from: 'a@b.c', to: ['d@e.f'] }),
      (error: Error) => /smtp:\/\/ or smtps:\/\//.test(error.message) && !error.message.includes('hunter2'),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// STARTTLS and AUTH, with a self-signed certificate made for the test.
// ---------------------------------------------------------------------------------------------

/** A self-signed key and certificate for 127.0.0.1 from `openssl`, or undefined when openssl is not installed. */
function selfSignedCertificate(): { key: Buffer; cert: Buffer } | undefined {
  // Node can make key pairs (generateKeyPairSync) but not X.509 certificates; openssl can.
  const dir = mkdtempSync(join(tmpdir(), 'driftwatch-smtp-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const certificate = selfSignedCertificate();
const SKIP_TLS = certificate ? false : 'openssl is not installed: cannot make a certificate for the STARTTLS test';

describe('EmailChannel with STARTTLS and AUTH PLAIN', { skip: SKIP_TLS }, () => {
  const USER = 'driftwatch';
  const PASS = 'p@ss w0rd:/';
  let smtp: TestSmtp;
  before(async () => {
    smtp = await startSmtp({
      key: certificate?.key,
      cert: certificate?.cert,
      disabledCommands: [],
      authOptional: false,
      authMethods: ['PLAIN'],
      onAuth(auth, session, callback) {
        if (!session.secure) return callback(new Error('AUTH before STARTTLS'));
        if (auth.method === 'PLAIN' && auth.username === USER && auth.password === PASS) return callback(null, { user: USER });
        return callback(Object.assign(new Error('invalid username or password'), { responseCode: 535 }));
      },
    });
  });
  after(() => smtp.close());

  const url = (user: string, pass: string) => `smtp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${smtp.port}`;

  it('upgrades the connection, authenticates and delivers', async () => {
    const channel = channelFor(smtp.port, { smtpUrl: url(USER, PASS), requireTLS: true, tls: { rejectUnauthorized: false } });
    try {
      await channel.send(fakeNotification({ id: 'dlv-tls' }));
    } finally {
      channel.close();
    }
    const received = smtp.messages.find((m) => m.mail.headers.get('x-driftwatch-delivery') === 'dlv-tls');
    assert.ok(received, 'message received');
    assert.equal(received.secure, true, 'sent over TLS');
    assert.equal(received.user, USER);
  });

  it('refuses the self-signed certificate unless told otherwise (retriable: a fixed certificate helps)', async () => {
    const channel = channelFor(smtp.port, { smtpUrl: url(USER, PASS), requireTLS: true });
    const error = await sendExpectingError(channel, fakeNotification());
    assert.equal(error.retriable, true, error.message);
  });

  it('is permanent on wrong credentials, and never shows the password', async () => {
    const wrong = 'not-the-password-123';
    const channel = channelFor(smtp.port, { smtpUrl: url(USER, wrong), requireTLS: true, tls: { rejectUnauthorized: false } });
    const error = await sendExpectingError(channel, fakeNotification());
    assert.equal(error.retriable, false, error.message);
    assert.ok(!error.message.includes(wrong), error.message);
    assert.ok(!error.stack?.includes(wrong));
  });
});
