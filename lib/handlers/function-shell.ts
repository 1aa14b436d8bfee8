// One way to assemble every function. The same middy chain, outermost first: the invocation's trail, written as its
// audit line once the answer or the failure is known (docs/contract.md §6); what only that function adds (the rotate
// function's kept answers); how an error is answered (an HTTP refusal, docs/contract.md §2, or a failed invocation
// that Lambda retries); then the function's own `serve`, stopped short of Lambda's own time limit. The three
// functions that reach TEO with a configuration of their own (assembleFunction) serve with the configuration in force
// (§3: an invalid one refuses every event before anything in it is looked at), and the same options everywhere: one
// clock, one retry policy, one set-up. The Tencent key's rotation, which has neither, uses the chain alone
// (assembleInvocation).
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { DeadlineExceeded } from '#lib/domain/errors.ts';
import { type Clock, type RetryPolicy, systemClock } from '#lib/domain/retry.ts';
import { DEFAULT_RETRY } from '#lib/domain/rotation/send-key.ts';
import { type ConfigSource, currentConfig, fixedSource } from '#lib/handlers/config/config-source.ts';
import { functionSetup, type Setup, type SetupOptions } from '#lib/handlers/config/function-setup.ts';
import type { Loaded } from '#lib/handlers/config/loaded.ts';
import type { TeoAccess } from '#lib/handlers/config/teo-access.ts';
import { ANSWER_MARGIN_MS } from '#lib/handlers/invocation.ts';

/** What every function may be given, in tests and local runs: time, retries, and the set-up's parts. */
export interface FunctionOptions extends SetupOptions {
  readonly clock?: Clock;
  readonly retry?: RetryPolicy;
}

/** The clock the options give, else the system's: for what a function builds before its first invocation. */
export const clockOf = (options: FunctionOptions) => options.clock ?? systemClock;

/** What `serve` is handed for one invocation. */
export interface Invocation<C extends TeoAccess, T> {
  readonly trail: T;
  /** The configuration in force, and what it set up. */
  readonly setup: Setup<C>;
  /** Where the configuration comes from: read again when TEO refuses its credentials (withFreshCredentials). */
  readonly source: ConfigSource<C>;
  /** The set-up of a configuration read again. */
  readonly setupFor: (config: C) => Setup<C>;
  readonly clock: Clock;
  readonly retry: RetryPolicy;
}

/** What every function's invocation is: its trail, its answer to an error, its audit line. */
export interface InvocationShape<E, R, T> {
  /** This invocation's trail: what each stage establishes, and what the audit line is written from. */
  begin(context: Context, event: E): T;
  /** The answer an error gets; undefined fails the invocation, for its sender (Lambda, Secrets Manager) to retry. */
  answer(error: unknown, trail: T): R | undefined;
  /** The audit line, once the answer or the failure is known: `error` is what ended the invocation, if anything. */
  audit(trail: T, ended: { readonly response: R | undefined; readonly error: unknown }): void;
  /** What only this function adds between the audit line and the error answers, given the invocation's trail. */
  around?(trailOf: (context: Context) => T): readonly MiddlewareObj<E, R>[];
}

export interface FunctionShape<E, R, C extends TeoAccess, T> extends InvocationShape<E, R, T> {
  serve(event: E, context: Context, invocation: Invocation<C, T>): Promise<R>;
}

export function assembleFunction<E, R, C extends TeoAccess, T>(
  config: Loaded<C> | ConfigSource<C>,
  shape: FunctionShape<E, R, C, T>,
  options: FunctionOptions = {},
): (event: E, context: Context) => Promise<R> {
  const source = 'current' in config ? config : fixedSource(config);
  const clock = clockOf(options);
  const retry = options.retry ?? DEFAULT_RETRY;
  const setupFor = functionSetup<C>({ ...options, clock });
  return assembleInvocation(shape, async (event, context, trail) => {
    const setup = setupFor(await currentConfig(source));
    return shape.serve(event, context, { trail, setup, source, setupFor, clock, retry });
  });
}

export function assembleInvocation<E, R, T>(
  shape: InvocationShape<E, R, T>,
  serve: (event: E, context: Context, trail: T) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  // Keyed by the invocation's own Context: concurrent invocations (tests, local runs) never share a trail, and each
  // invocation begins its own, even when a host passes the same Context object again.
  const trails = new WeakMap<Context, T>();
  // The first middleware begins every trail: every stage after it finds one.
  const trailOf = (context: Context) => trails.get(context) as T;
  const auditLine: MiddlewareObj<E, R> = {
    before: ({ context, event }) => void trails.set(context, shape.begin(context, event)),
    after: ({ context, response }) => {
      shape.audit(trailOf(context), { response: response ?? undefined, error: undefined });
    },
    onError: ({ context, response, error }) => {
      shape.audit(trailOf(context), { response: response ?? undefined, error });
    },
  };
  const errorAnswers: MiddlewareObj<E, R> = {
    onError: (request) => {
      const answer = shape.answer(request.error, trailOf(request.context));
      if (answer !== undefined) request.response = answer;
    },
  };
  // Outermost first. onError hooks run in reverse: the error is answered, what the function adds sees the answer,
  // and the audit line is written last, with everything the invocation established.
  return middy<E, R>({
    timeoutEarlyInMillis: ANSWER_MARGIN_MS,
    timeoutEarlyResponse: () => {
      throw new DeadlineExceeded('The Lambda is about to time out.');
    },
  })
    .use(auditLine)
    .use([...(shape.around?.(trailOf) ?? [])])
    .use(errorAnswers)
    .handler((event, context) => serve(event, context, trailOf(context)));
}
