// The scan for a field given twice, which JSON.parse would silently resolve to the last value.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { elementWithRepeatedField } from '#lib/domain/repeated-field.ts';

describe('elementWithRepeatedField', () => {
  it.each([
    ['[{"a":1,"a":2}]', 0],
    ['[{"a":1},{"b":[{"c":1}],"b":2}]', 1],
    ['[{"a":1},{},{"x":{"y":{"z":1,"z":1}}}]', 2],
    // Equal once unescaped.
    ['[{"ab":1,"a\\u0062":2}]', 0],
    // Strings holding braces, commas and escaped quotes are not structure.
    ['[{"a":"},{\\"a\\":","b":1,"b":2}]', 0],
  ])('finds the repeat in %s at element %i', (json, index) => {
    expect(elementWithRepeatedField(json)).toBe(index);
  });

  it.each(['[{"a":1,"b":{"a":1}}]', '[{"a":1},{"a":2}]', '[{"a":["a","a"]}]', '[{"\\"":1,"\\\\":2}]'])(
    'finds none in %s',
    (json) => {
      expect(elementWithRepeatedField(json)).toBeUndefined();
    },
  );

  it('finds none in any JSON.stringify output, which cannot repeat a key', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue()), (value) => {
        expect(elementWithRepeatedField(JSON.stringify(value))).toBeUndefined();
      }),
    );
  });
});
