/** Parsing of HTTP `Content-Type` values (RFC 9110 §8.3): a media type and its parameters. */

/** A parsed content type: lower-case media type, parameters with lower-case names. */
export interface ContentType {
  readonly mediaType: string;
  readonly parameters: Readonly<Record<string, string>>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return value;
}

/** Parses a `Content-Type` header; `undefined` when it is missing or not a `type/subtype`. */
export function parseContentType(header: string | undefined): ContentType | undefined {
  if (header === undefined) return undefined;
  const [essence = '', ...rawParameters] = header.split(';');
  const [type, subtype, ...rest] = essence.trim().toLowerCase().split('/');
  if (type === undefined || subtype === undefined || rest.length > 0 || !TOKEN.test(type) || !TOKEN.test(subtype)) {
    return undefined;
  }
  // A null-prototype object, so a parameter named `__proto__` is just a parameter.
  const parameters: Record<string, string> = Object.create(null);
  for (const raw of rawParameters) {
    const separator = raw.indexOf('=');
    if (separator <= 0) continue;
    const name = raw.slice(0, separator).trim().toLowerCase();
    if (!TOKEN.test(name) || name in parameters) continue;
    parameters[name] = unquote(raw.slice(separator + 1).trim());
  }
  return { mediaType: `${type}/${subtype}`, parameters };
}

/** Whether a `charset` parameter names UTF-8 (or is absent, which for JSON and XML means UTF-8). */
export function isUtf8Charset(charset: string | undefined): boolean {
  return charset === undefined || ['utf-8', 'utf8'].includes(charset.trim().toLowerCase());
}
