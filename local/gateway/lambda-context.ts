/** A Lambda-like invocation context for the handlers local mode runs in-process. */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

// Shared by every context: one closure fewer to make (and name) per invocation.
const unsupported = (): never => {
  throw new Error('callback-style context methods are not supported; return a promise');
};

/** Makes the context of one invocation with a timeout of `timeoutMs`, starting now. */
export function createLambdaContext(functionName: string, timeoutMs: number, region = 'us-east-1'): Context {
  const deadline = Date.now() + timeoutMs;
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${requestId}`,
    // A method, not an arrow: under tsx every arrow made per call is also renamed per call.
    getRemainingTimeInMillis() {
      return Math.max(0, deadline - Date.now());
    },
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
