// JSON.parse keeps the last of two equal keys without a word: in a caller list, the second `zones` or
// `tokenSha256` would silently replace the first; in a rotation request, the second SecretKey. This finds such a
// repeat in text JSON.parse has accepted.

/**
 * Which element of the top-level array holds an object (at any depth) with a field given twice; undefined when
 * none does. Only the element's index is reported: a field name is configuration text, never logged.
 */
export function elementWithRepeatedField(json: string): number | undefined {
  type Container = { readonly keys: Set<string>; expectsKey: boolean } | { index: number };
  const stack: Container[] = [];
  for (let at = 0; at < json.length; at += 1) {
    const char = json[at];
    const top = stack.at(-1);
    if (char === '"') {
      const end = endOfString(json, at);
      if (top !== undefined && 'keys' in top && top.expectsKey) {
        const key: string = JSON.parse(json.slice(at, end + 1));
        if (top.keys.has(key)) return topLevelIndex(stack);
        top.keys.add(key);
        top.expectsKey = false;
      }
      at = end;
    } else if (char === '{') stack.push({ keys: new Set(), expectsKey: true });
    else if (char === '[') stack.push({ index: 0 });
    else if (char === '}' || char === ']') stack.pop();
    else if (char === ',' && top !== undefined) {
      if ('keys' in top) top.expectsKey = true;
      else top.index += 1;
    }
  }
  return undefined;
}

/** The index of the closing quote of the string that opens at `start`. */
function endOfString(json: string, start: number): number {
  let at = start + 1;
  while (json[at] !== '"') at += json[at] === '\\' ? 2 : 1;
  return at;
}

function topLevelIndex(stack: readonly ({ index: number } | object)[]): number {
  const [outer] = stack;
  return outer !== undefined && 'index' in outer ? outer.index : 0;
}
