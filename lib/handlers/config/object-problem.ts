// What a configuration entry that is not the object its schema describes is told, for valibot's strict objects:
// which field is missing, or that it has a field it should not, never that field's name or value (configuration
// text may be a pasted secret).
import type * as v from 'valibot';

/** The message for a strict object's own issue; `only` says which fields it takes. */
export const objectProblem =
  (only: string) =>
  (issue: v.BaseIssue<unknown>): string =>
    issue.expected === 'never'
      ? only
      : issue.input === undefined
        ? `${issue.expected} is required`
        : 'must be an object';
