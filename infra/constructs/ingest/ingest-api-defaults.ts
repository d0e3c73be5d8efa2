/** Pure defaults of the tenant's HTTP API: its access log group name and format. */

/**
 * Log groups under `/aws/vendedlogs/` need no entry in the account's CloudWatch Logs
 * resource policy. Any other name makes API Gateway add the group's ARN to that policy,
 * which is capped at 5,120 characters for the whole account; once it is full, every new
 * stage with access logs fails to create. The API id keeps the name unique, so a retained
 * group of a deleted stack never collides with a new one.
 */
export function accessLogGroupName(apiId: string): string {
  return `/aws/vendedlogs/apigateway/${apiId}`;
}

/**
 * One JSON object per request, from the HTTP API's own `$context` variables. Values are
 * quoted because a variable without a value is written as `-`, which bare would not be JSON.
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  routeKey: '$context.routeKey',
  status: '$context.status',
  authorizerError: '$context.authorizer.error',
  integrationErrorMessage: '$context.integrationErrorMessage',
  integrationLatency: '$context.integrationLatency',
  responseLatency: '$context.responseLatency',
  responseLength: '$context.responseLength',
} as const;

/** The access log format: {@link ACCESS_LOG_FIELDS} as one line of JSON. */
export const ACCESS_LOG_FORMAT = JSON.stringify(ACCESS_LOG_FIELDS);
