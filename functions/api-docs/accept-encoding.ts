/** Content negotiation of `Accept-Encoding` (RFC 9110 §12.5.3), for gzip only. */

/**
 * Whether the client takes gzip: `gzip` (or its alias `x-gzip`) or `*` with a q-value above 0,
 * where an explicit `gzip;q=0` refuses it whatever `*` says. No header means no coding is wanted.
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let gzip: number | undefined;
  let any: number | undefined;
  for (const entry of header.split(',')) {
    const [coding = '', ...parameters] = entry.split(';').map((part) => part.trim().toLowerCase());
    const q = parameters.find((parameter) => parameter.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    const quality = Number.isFinite(weight) ? weight : 0;
    if (coding === 'gzip' || coding === 'x-gzip') gzip = Math.max(gzip ?? 0, quality);
    else if (coding === '*') any = quality;
  }
  return (gzip ?? any ?? 0) > 0;
}
