import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ServerOptions } from 'node:https';
import { createSecureContext, type TLSSocket } from 'node:tls';
import type { NextFunction, Request, Response } from 'express';
import { type ApiTlsConfig, TLS_KEY_PASSPHRASE_ENV } from '../config/api.js';
import { messageOf, UserError } from '../errors.js';
import { ApiError } from './errors.js';

/** What node:https gets from `api.tls`: the PEM texts, read once. */
export type ApiTlsOptions = Pick<ServerOptions, 'cert' | 'key' | 'passphrase' | 'ca' | 'requestCert' | 'rejectUnauthorized'>;

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** A file of `api.tls`, or a UserError naming the setting and the file. */
function readSetting(setting: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserError(`${setting}: cannot read '${path}': ${messageOf(error)}`);
  }
}

/** Every certificate of a PEM file, parsed (a file with none, or one that does not parse, is a UserError). */
function certificates(setting: string, path: string, pem: string): X509Certificate[] {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new UserError(`${setting}: '${path}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      throw new UserError(`${setting}: certificate ${i + 1} in '${path}' does not parse: ${messageOf(error)}`);
    }
  });
}

/**
 * Reads and checks the files of `api.tls` at start-up, so that a wrong file stops `serve` with a
 * sentence naming it instead of failing each client's handshake later: the certificate parses and
 * is valid now, the key opens (with the passphrase from DRIFTWATCH_API_TLS_KEY_PASSPHRASE) and is
 * the certificate's, the CA file holds certificates. With `requestClientCert` the handshake asks
 * for a client certificate and verifies it against `ca`, but does not end a connection without
 * one: {@link requireClientCertificate} refuses those on every route but the health checks.
 */
export function readApiTls(tls: ApiTlsConfig, env: NodeJS.ProcessEnv = process.env, now = Date.now()): ApiTlsOptions {
  const certPem = readSetting('api.tls.cert', tls.cert);
  const [leaf] = certificates('api.tls.cert', tls.cert, certPem);
  const from = Date.parse(leaf!.validFrom);
  const to = Date.parse(leaf!.validTo);
  if (now < from) throw new UserError(`api.tls.cert: the certificate in '${tls.cert}' is not valid before ${new Date(from).toISOString()}`);
  if (now > to) throw new UserError(`api.tls.cert: the certificate in '${tls.cert}' expired on ${new Date(to).toISOString()}`);

  const keyPem = readSetting('api.tls.key', tls.key);
  const passphrase = env[TLS_KEY_PASSPHRASE_ENV] || undefined;
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: keyPem, ...(passphrase ? { passphrase } : {}) });
  } catch (error) {
    const hint = passphrase
      ? ` (is ${TLS_KEY_PASSPHRASE_ENV} its passphrase?)`
      : ` (an encrypted key needs its passphrase in ${TLS_KEY_PASSPHRASE_ENV})`;
    throw new UserError(`api.tls.key: cannot open the private key in '${tls.key}'${hint}: ${messageOf(error)}`);
  }
  if (!leaf!.checkPrivateKey(key))
    throw new UserError(
      `api.tls.key: the key in '${tls.key}' is not the key of the certificate in '${tls.cert}' (${leaf!.subject.replace(/\n/g, ', ')})`,
    );

  const options: ApiTlsOptions = { cert: certPem, key: keyPem, ...(passphrase ? { passphrase } : {}) };
  if (tls.ca !== undefined) {
    const caPem = readSetting('api.tls.ca', tls.ca);
    certificates('api.tls.ca', tls.ca, caPem);
    // rejectUnauthorized false: the handshake verifies a certificate it gets, and the app decides
    // per route (the health checks answer without one, for probes that hold no certificate).
    Object.assign(options, { ca: caPem, requestCert: true, rejectUnauthorized: false });
  }
  try {
    createSecureContext(options);
  } catch (error) {
    throw new UserError(`api.tls: node cannot use these files: ${messageOf(error)}`);
  }
  return options;
}

/**
 * Mutual TLS on the routes: a request whose connection presented no client certificate, or one
 * that `api.tls.ca` did not sign, gets 401 (as nginx's `ssl_verify_client` answers 400 at the HTTP
 * level); the paths in `open` (the health checks) answer without one.
 */
export function requireClientCertificate(open: ReadonlySet<string>) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const socket = req.socket as TLSSocket;
    if (socket.authorized === true || open.has(req.path)) {
      next();
      return;
    }
    const presented = typeof socket.getPeerCertificate === 'function' && Object.keys(socket.getPeerCertificate()).length > 0;
    next(
      new ApiError(
        401,
        'client_certificate_required',
        presented
          ? `the client certificate does not verify against api.tls.ca (${String(socket.authorizationError)})`
          : 'this API requires a client certificate signed by its api.tls.ca (mutual TLS)',
      ),
    );
  };
}
