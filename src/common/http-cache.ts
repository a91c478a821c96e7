import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** A strong entity tag of a body: its SHA-256, base64url, quoted. */
export function entityTag(body: string | Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url')}"`;
}

/**
 * RFC 9110 §13.1.2: If-None-Match matches when it is `*` or lists the tag (weak comparison, so a
 * `W/` prefix a proxy added still matches).
 */
export function noneMatchHits(header: string | undefined, tag: string): boolean {
  if (!header) return false;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => t.trim() === '*' || bare(t) === bare(tag));
}

/**
 * RFC 9110 §13.1.3: If-Modified-Since holds (the representation is unchanged) when it is a valid
 * date at or after the last modification, to the second. Ignored when If-None-Match is present.
 */
export function notModifiedSince(header: string | undefined, lastModified: Date): boolean {
  if (!header) return false;
  const since = Date.parse(header);
  return !Number.isNaN(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}

/**
 * Answers a GET with `body` and its validators (ETag, Last-Modified, `Cache-Control: no-cache` so
 * caches revalidate every time), or with 304 and no body when the request's validators still hold.
 */
export function sendCacheable(
  req: FastifyRequest,
  reply: FastifyReply,
  body: string,
  lastModified: Date,
  headers: Record<string, string>,
): FastifyReply {
  const tag = entityTag(body);
  const inm = req.headers['if-none-match'];
  const ims = req.headers['if-modified-since'];
  const fresh = inm !== undefined ? noneMatchHits(inm, tag) : notModifiedSince(ims, lastModified);
  void reply
    .header('etag', tag)
    .header('last-modified', lastModified.toUTCString())
    .header('cache-control', 'public, no-cache');
  if (fresh) return reply.status(304).send();
  for (const [name, value] of Object.entries(headers)) void reply.header(name, value);
  return reply.status(200).send(body);
}
