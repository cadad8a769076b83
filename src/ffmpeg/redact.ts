/**
 * Secrets never reach a log line, an API field or a stderr tail: the stream key in a restream
 * destination (rtmp://host/app/KEY), credentials and signed query strings in URLs. A child's
 * command line and every stderr line it writes pass through a Redactor first.
 */

/** maskUrl keeps a URL's scheme, host and the path up to its last segment; the rest is "***". */
export function maskUrl(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(?:[^@/?#]*@)?([^/?#]*)(\/[^?#]*)?/i.exec(url);
  if (!m) return '***';
  const [, scheme, host, path = ''] = m;
  const cut = path.lastIndexOf('/');
  const dir = cut > 0 ? path.slice(0, cut + 1) : '/';
  return `${scheme}${host}${dir}***`;
}

/** Redactor replaces each secret (exact text) with its masked form. */
export type Redactor = (text: string) => string;

/** redactorFor builds a Redactor for the URLs a child is given; URLs without anything secret are kept. */
export function redactorFor(urls: readonly string[]): Redactor {
  const secrets = urls.filter((u) => /^[a-z][a-z0-9+.-]*:\/\//i.test(u) && hasSecret(u)).map((u) => [u, maskUrl(u)] as const);
  // Longest first: one URL may be a prefix of another.
  secrets.sort((a, b) => b[0].length - a[0].length);
  return (text) => {
    let out = text;
    for (const [secret, masked] of secrets) out = out.split(secret).join(masked);
    return out;
  };
}

/** hasSecret: a push destination's last path segment is its stream key; userinfo and queries carry tokens. */
function hasSecret(url: string): boolean {
  if (/^rtmps?:\/\//i.test(url)) return true;
  return /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url) || url.includes('?');
}
