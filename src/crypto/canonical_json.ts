/**
 * Canonical JSON for signed documents: object keys sorted by UTF-16 code units, no whitespace,
 * strings escaped as `JSON.stringify` does. For the values Legion signs (strings, safe integers,
 * booleans, arrays and objects of them) this is the RFC 8785 (JCS) serialisation.
 *
 * @throws {RangeError} for values outside that subset (floats, non-safe integers, undefined).
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | {
  [key: string]: JsonValue;
};

export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") {
    return JSON.stringify(value);
  }
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new RangeError("only safe integers are canonical");
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${
      keys.map((key) => {
        const item = value[key];
        if (item === undefined) throw new RangeError(`undefined value at ${key}`);
        return `${JSON.stringify(key)}:${canonicalJson(item)}`;
      }).join(",")
    }}`;
  }
  throw new RangeError(`not a JSON value: ${typeof value}`);
}
