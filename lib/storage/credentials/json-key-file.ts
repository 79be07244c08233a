/** The top-level object of a JSON key file (`{}` for `null`); `source` names the file in errors. */
export function parseJsonKeyFile(text: string, source: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  return (parsed ?? {}) as Record<string, unknown>;
}
