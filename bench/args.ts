/** The value after `name` in a bench's arguments (`--rows 1000`), or undefined when the flag is absent. */
export function optionText(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** A numeric option of a bench (`--seed 7`), or `fallback` when the flag is absent. */
export function numberOption(args: readonly string[], name: string, fallback: number): number {
  const text = optionText(args, name);
  return text === undefined ? fallback : Number(text);
}
