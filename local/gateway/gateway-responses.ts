/** API Gateway's own answers (not the function's): `{"message":…}` bodies. */

/** A response the gateway writes itself. */
export interface GatewayResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const MESSAGES: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Request Entity Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** API Gateway's error response for a status, with extra headers such as `www-authenticate`. */
export function gatewayError(statusCode: number, headers: Record<string, string> = {}): GatewayResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ message: MESSAGES[statusCode] ?? 'Error' }),
  };
}

/** HTTP API payload limit: bodies above it never reach the function. */
export const GATEWAY_PAYLOAD_LIMIT_BYTES = 10 * 1024 * 1024;
