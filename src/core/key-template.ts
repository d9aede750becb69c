// S3 key templates so one StatefulSet spec serves every pod: `{hostname}` is $HOSTNAME (the pod
// name) and `{ordinal}` its trailing number (`luxd-3` -> `3`). Anything else in braces is a usage
// error rather than a literal, so a typo cannot silently fetch another pod's identity.
import { UsageError } from './errors.js';

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** The pod ordinal: the trailing decimal number of the hostname, or undefined. */
export function ordinalOf(hostname: string): string | undefined {
  const m = /(\d+)$/.exec(hostname);
  return m ? m[1] : undefined;
}

/** Expand `{ordinal}` and `{hostname}` in the value of `--<flag>`. */
export function expandKeyTemplate(template: string, flag: string, env: Readonly<Record<string, string | undefined>>): string {
  const hostname = env.HOSTNAME ?? '';
  return template.replace(PLACEHOLDER, (_, name: string) => {
    if (name === 'hostname') {
      if (!hostname) throw new UsageError(`--${flag} uses {hostname} but HOSTNAME is not set`, 'E_KEY_TEMPLATE');
      return hostname;
    }
    if (name === 'ordinal') {
      const ord = ordinalOf(hostname);
      if (ord === undefined) throw new UsageError(`--${flag} uses {ordinal} but HOSTNAME ${JSON.stringify(hostname)} does not end in a number (expected a StatefulSet pod name such as luxd-3)`, 'E_KEY_TEMPLATE');
      return ord;
    }
    throw new UsageError(`--${flag}: unknown placeholder {${name}} in ${JSON.stringify(template)}, expected {ordinal} or {hostname}`, 'E_KEY_TEMPLATE');
  });
}
