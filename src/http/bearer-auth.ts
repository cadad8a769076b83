import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { sendError } from './json-errors.js';

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/**
 * bearerAuth requires `Authorization: Bearer TOKEN` when a token is configured (an empty token
 * leaves the route open). Comparison is constant-time over digests, so neither the token nor
 * its length leaks through timing. CORS preflights pass, so browsers can send the header.
 */
export function bearerAuth(token: string, realm: string): RequestHandler {
  if (!token) return (_req, _res, next) => next();
  const want = digest(token);
  return (req, res, next) => {
    if (req.method === 'OPTIONS') return next();
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    if (m && timingSafeEqual(digest(m[1] as string), want)) return next();
    res.set('WWW-Authenticate', `Bearer realm="${realm}"`);
    sendError(res, 401, 'HTTP_UNAUTHORIZED', `${realm} needs a bearer token`);
  };
}
