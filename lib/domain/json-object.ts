// What every reader of caller- or manager-supplied JSON asks first: is it an object (not null, not an array)?

export const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The JSON object a text holds, or undefined when it holds anything else, is no JSON, or is no text at all (a binary
 * secret has no SecretString). The parser's message is dropped: it would quote the text, which may be a secret.
 */
export function parseJsonObject(text: unknown): Record<string, unknown> | undefined {
  // Stryker disable next-line ConditionalExpression: JSON.parse throws on undefined, the one non-text a secret holds.
  if (typeof text !== 'string') return undefined;
  try {
    const document: unknown = JSON.parse(text);
    return isJsonObject(document) ? document : undefined;
  } catch {
    return undefined;
  }
}
