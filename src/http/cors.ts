import type { RequestHandler } from 'express';

/**
 * cors lets players on other origins read HLS and the API: it sets Access-Control-Allow-Origin
 * on every answer and answers OPTIONS preflights itself (204) without reaching the routes.
 * Only GET and HEAD are allowed; Range is the one request header players need beyond the safe ones.
 */
export function cors(origin: string): RequestHandler {
  return (req, res, next) => {
    res.setHeader('Access-Control-Allow-Origin', origin);
    // With a specific origin, caches must not hand one origin's answer to another.
    if (origin !== '*') res.vary('Origin');
    res.setHeader('Access-Control-Expose-Headers', 'Content-Length, Content-Range, Accept-Ranges, ETag');
    if (req.method !== 'OPTIONS') {
      next();
      return;
    }
    res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Range, Content-Type, If-None-Match, If-Modified-Since');
    res.setHeader('Access-Control-Max-Age', '86400');
    res.setHeader('Allow', 'GET, HEAD, OPTIONS');
    res.status(204).end();
  };
}
