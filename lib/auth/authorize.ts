// docs/contract.md §4: an authenticated caller acts only on the zones its entry grants.
import { type Caller, mayRotate } from '#lib/domain/caller.ts';
import { CallerNotAuthorized } from '#lib/domain/errors.ts';

export function authorize(caller: Caller, zoneId: string): void {
  if (!mayRotate(caller, zoneId)) throw new CallerNotAuthorized('This caller may not act on this zone.');
}
