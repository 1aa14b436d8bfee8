// A Lambda invocation's Context, for running a handler outside Lambda: the local server's and the tests'.
import type { Context } from 'aws-lambda';

export function lambdaContextFor({
  requestId,
  remainingMs,
}: {
  requestId: string;
  remainingMs: number;
}): Context {
  const deadline = Date.now() + remainingMs;
  const name = 'teo-key-rotator-local-rotate';
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${name}`,
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
