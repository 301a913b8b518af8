/**
 * A YAML emitter for plain JSON data (what a rendered Kubernetes object is): block mappings and
 * sequences, plain scalars only where no YAML 1.1 or 1.2 reader could take them for anything but a
 * string, double-quoted (JSON) strings otherwise, and literal blocks for multi-line text such as
 * scripts and Triton configurations.
 *
 * Why not the `yaml` library's stringify: it builds a document tree per object, which made it the
 * largest cost of a render (about half of the time for a thousand-model fleet). Tests check that
 * `yaml.parse` reads back exactly the data for every rendered object and for random data.
 */

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Strings that can stay plain: letters, digits and a few safe marks, no leading indicator. */
const PLAIN = /^[A-Za-z0-9_./](?:[A-Za-z0-9_./@+=,()-]|:(?=[^ ]))*(?: (?:[A-Za-z0-9_./@+=,()-]|:(?=[^ ]))+)*$/;
/** Plain strings a YAML 1.1 or 1.2 reader would take for something else. */
const AMBIGUOUS =
  /^(?:true|false|yes|no|on|off|y|n|null|~|[-+]?(?:\.inf|\.nan)|[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|[-+]?\.[0-9]+(?:[eE][-+]?[0-9]+)?|0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|[0-9]+(?::[0-5]?[0-9])+(?:\.[0-9_]*)?|\d{4}-\d\d?-\d\d?(?:[Tt ].*)?|<<|=)$/i;

function scalar(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as YAML`);
    return String(value);
  }
  return PLAIN.test(value) && !AMBIGUOUS.test(value) ? value : JSON.stringify(value);
}

/** A multi-line string as a literal block, when its text survives one unchanged. */
function literal(value: string, indent: string): string | undefined {
  // Control characters are exactly what a literal block cannot carry: they are what this looks for.
  // eslint-disable-next-line no-control-regex
  if (!value.includes('\n') || /[\r\t\u0000-\u0008\u000b-\u001f\u007f\u0085\u2028\u2029\ufeff]/.test(value)) return undefined;
  // A leading space or an empty first line would need an indentation indicator: keep it simple.
  if (/^[ \n]/.test(value)) return undefined;
  const chomp = value.endsWith('\n\n') ? '+' : value.endsWith('\n') ? '' : '-';
  const body = (chomp === '+' ? value.slice(0, -1) : chomp === '' ? value.slice(0, -1) : value).split('\n');
  return `|${chomp}\n${body.map((line) => (line === '' ? '' : `${indent}${line}`)).join('\n')}`;
}

function emit(value: Json, indent: string, out: string[], inSequence: boolean): void {
  if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push(' []');
      return;
    }
    for (const item of value) {
      out.push(`\n${indent}-`);
      emitItem(item, `${indent}  `, out);
    }
    return;
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0) {
      out.push(' {}');
      return;
    }
    keys.forEach((key, i) => {
      // The first key of a mapping inside a sequence item shares the `- ` line.
      out.push(i === 0 && inSequence ? ` ${scalar(key)}:` : `\n${indent}${scalar(key)}:`);
      const child = value[key]!;
      // Sequences under a key are indented, as kubectl and the yaml library write them.
      if (Array.isArray(child) && child.length > 0) emit(child, `${indent}  `, out, false);
      else emitValue(child, `${indent}  `, out);
    });
    return;
  }
  emitValue(value, indent, out);
}

function emitValue(value: Json, indent: string, out: string[]): void {
  if (value !== null && typeof value === 'object') {
    emit(value, indent, out, false);
    return;
  }
  const block = typeof value === 'string' ? literal(value, indent) : undefined;
  out.push(` ${block ?? scalar(value)}`);
}

function emitItem(value: Json, indent: string, out: string[]): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
    emit(value, indent, out, true);
  } else if (Array.isArray(value) && value.length > 0) {
    // A sequence directly inside a sequence.
    for (const [i, item] of value.entries()) {
      out.push(i === 0 ? ' -' : `\n${indent}-`);
      emitItem(item, `${indent}  `, out);
    }
  } else {
    emitValue(value, indent, out);
  }
}

/** One YAML document for `value` (a mapping, as every Kubernetes object is), ending in a newline. */
export function toYaml(value: Record<string, unknown>): string {
  const out: string[] = [];
  emit(value as Json, '', out, false);
  return `${out.join('').slice(1)}\n`;
}
