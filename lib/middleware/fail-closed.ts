import type { MiddlewareObj } from '@middy/core';
import { ConfigurationInvalid } from '#lib/errors.ts';

/** SPEC §3: with invalid configuration every request is refused, before anything about it is looked at. */
export const failClosed = (problems: readonly string[]): MiddlewareObj => ({
  before: () => {
    throw new ConfigurationInvalid(problems);
  },
});
