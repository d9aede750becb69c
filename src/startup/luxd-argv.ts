// Editing luxd's command line (the args after the binary) the way luxd's flag parser (pflag) reads
// it: `--name=value` or `--name value` (a string flag takes the next arg, whatever it looks like),
// nothing after a bare `--`. Setting a flag removes every earlier occurrence, so luxd sees exactly
// one value and the log can say which ones were replaced.

/** The values of `--name` in `args` (before a bare `--`). */
export function flagValues(args: readonly string[], name: string): string[] {
  return scan(args, name).values;
}

function scan(args: readonly string[], name: string): { kept: string[]; values: string[]; end: number } {
  const kept: string[] = [];
  const values: string[] = [];
  const long = `--${name}`;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (a === long) {
      if (i + 1 < args.length && args[i + 1] !== '--') values.push(args[++i]!);
      else values.push('');
    } else if (a.startsWith(`${long}=`)) values.push(a.slice(long.length + 1));
    else kept.push(a);
  }
  return { kept, values, end: i };
}

/**
 * `args` with every `--name` removed and `--name=value` appended (before a bare `--`, if any).
 * Returns the values it replaced.
 */
export function setLuxdFlag(args: readonly string[], name: string, value: string): { args: string[]; replaced: string[] } {
  const { kept, values, end } = scan(args, name);
  return { args: [...kept, `--${name}=${value}`, ...args.slice(end)], replaced: values };
}
