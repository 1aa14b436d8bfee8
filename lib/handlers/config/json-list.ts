// The JSON array a variable holds (ROTATOR_CLIENTS, ROTATOR_SYNC_BINDINGS), before its elements are read: set, JSON,
// an array, and no element giving a field twice. Each problem names the variable, never its text.

import { elementWithRepeatedField } from '#lib/domain/repeated-field.ts';
import { invalid, type Loaded, valid } from '#lib/handlers/config/loaded.ts';

/** `of` names the elements in the problem ("callers"); `nonEmpty` refuses an empty array. */
export function jsonListIn(
  name: string,
  raw: string | undefined,
  { of, nonEmpty }: { readonly of: string; readonly nonEmpty: boolean },
): Loaded<readonly unknown[]> {
  if (raw === undefined || raw.trim() === '') return invalid(`${name} is not set`);
  let document: unknown;
  try {
    document = JSON.parse(raw);
  } catch {
    return invalid(`${name} is not valid JSON`);
  }
  if (!Array.isArray(document) || (nonEmpty && document.length === 0)) {
    return invalid(`${name} must be a ${nonEmpty ? 'non-empty ' : ''}JSON array of ${of}`);
  }
  const repeated = elementWithRepeatedField(raw);
  if (repeated !== undefined) {
    return invalid(`${name}[${repeated}] gives a field twice: JSON would silently keep only the last`);
  }
  return valid(document);
}
