import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { TOKENS_ENV } from '../config/api.js';
import { UserError } from '../errors.js';
import { ApiError } from './errors.js';

/** What a token may do. `admin` implies the others; `read` and `ingest` are separate. */
export const SCOPES = ['read', 'ingest', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export { TOKENS_ENV } from '../config/api.js';

/** Shortest token accepted: a guessable token is refused at start-up, not discovered later. */
export const MIN_TOKEN_LENGTH = 16;

/** Who made a request: the token's place in the list and its scope, never the token (safe to log). */
export interface Principal {
  /** "admin#2": the scope and the 1-based position of the token in DRIFTWATCH_API_TOKENS. */
  id: string;
  scope: Scope;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Compares two secrets in constant time: both are hashed to SHA-256 first, so the comparison
 * takes the same time whatever their lengths and wherever they first differ.
 * @example constantTimeEqual(presented, expected)
 */
export function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

/** True when a token of scope `granted` may do what needs `needed`. */
export function allows(granted: Scope, needed: Scope): boolean {
  return granted === 'admin' || granted === needed;
}

interface KnownToken extends Principal {
  digest: Buffer;
}

/**
 * The API's bearer tokens, kept as SHA-256 digests. Built once at start-up from
 * DRIFTWATCH_API_TOKENS; a malformed list stops the process with a message that names the entry
 * (by position) but never shows a token.
 */
export class TokenSet {
  private constructor(private readonly tokens: readonly KnownToken[]) {}

  /**
   * Parses "scope:token,scope:token" (whitespace around entries ignored). No tokens at all is
   * valid: every protected route then answers 401.
   * @example TokenSet.parse('read:dashboard-0123456789abcdef,admin:ops-0123456789abcdef')
   */
  static parse(text: string | undefined): TokenSet {
    const entries = (text ?? '')
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '');
    const tokens: KnownToken[] = [];
    const seen = new Map<string, number>();
    entries.forEach((entry, i) => {
      const where = `${TOKENS_ENV} entry ${i + 1}`;
      const colon = entry.indexOf(':');
      if (colon < 0) throw new UserError(`${where}: expected scope:token (scopes: ${SCOPES.join(', ')})`);
      const scope = entry.slice(0, colon).trim();
      const token = entry.slice(colon + 1).trim();
      if (!(SCOPES as readonly string[]).includes(scope))
        throw new UserError(`${where}: unknown scope '${scope.slice(0, 20)}'; known: ${SCOPES.join(', ')}`);
      if (token.length < MIN_TOKEN_LENGTH)
        throw new UserError(`${where}: the token is shorter than ${MIN_TOKEN_LENGTH} characters (use e.g. \`openssl rand -hex 24\`)`);
      if (!/^[\x21-\x7e]+$/.test(token)) throw new UserError(`${where}: the token must be printable ASCII without spaces`);
      const key = sha256(token).toString('hex');
      const before = seen.get(key);
      if (before !== undefined) throw new UserError(`${where}: the same token as entry ${before}; give each token one scope`);
      seen.set(key, i + 1);
      tokens.push({ id: `${scope}#${i + 1}`, scope: scope as Scope, digest: sha256(token) });
    });
    return new TokenSet(tokens);
  }

  /** The tokens of DRIFTWATCH_API_TOKENS. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): TokenSet {
    return TokenSet.parse(env[TOKENS_ENV]);
  }

  /** How many tokens there are (0: the API refuses every protected request). */
  get size(): number {
    return this.tokens.length;
  }

  /** The principal of a presented token, or undefined. Every known token is compared (no early exit). */
  verify(presented: string): Principal | undefined {
    const digest = sha256(presented);
    let found: KnownToken | undefined;
    for (const t of this.tokens) {
      if (timingSafeEqual(digest, t.digest)) found = t;
    }
    return found && { id: found.id, scope: found.scope };
  }
}

/** The request's principal, set by {@link requireScope}. */
export function principalOf(res: Response): Principal | undefined {
  return res.locals.principal as Principal | undefined;
}

const BEARER = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i;

/**
 * Middleware: 401 without a known bearer token (with `WWW-Authenticate: Bearer`), 403 when its
 * scope does not allow `needed`. Neither the token nor the header is ever put in a message or a log.
 */
export function requireScope(tokens: TokenSet, needed: Scope) {
  return (req: Request, res: Response, next: NextFunction): void => {
    authorize(tokens, needed, req, res);
    next();
  };
}

/**
 * For a public route that tells more to a token (`GET /readyz`): false without an Authorization
 * header; with one, true when its token allows `needed`, else the 401 or 403 of
 * {@link requireScope} (a wrong token is an error, not an anonymous call).
 */
export function presentsScope(tokens: TokenSet, needed: Scope, req: Request, res: Response): boolean {
  const header = req.headers.authorization;
  if (header === undefined || header === '') return false;
  authorize(tokens, needed, req, res);
  return true;
}

/** Throws the 401 or 403 of a request whose token does not allow `needed`; sets its principal. */
function authorize(tokens: TokenSet, needed: Scope, req: Request, res: Response): void {
  const header = req.headers.authorization;
  if (header === undefined || header === '') {
    res.setHeader('WWW-Authenticate', 'Bearer realm="driftwatch"');
    throw new ApiError(401, 'unauthorized', 'a bearer token is required (Authorization: Bearer <token>)');
  }
  const match = BEARER.exec(header);
  const principal = match ? tokens.verify(match[1]!) : undefined;
  if (!principal) {
    res.setHeader('WWW-Authenticate', 'Bearer realm="driftwatch", error="invalid_token"');
    throw new ApiError(401, 'unauthorized', 'the bearer token is not valid');
  }
  res.locals.principal = principal;
  if (!allows(principal.scope, needed)) {
    throw new ApiError(
      403,
      'forbidden',
      `this needs a token with scope '${needed}'${needed === 'admin' ? '' : " or 'admin'"}; this token has '${principal.scope}'`,
    );
  }
}
