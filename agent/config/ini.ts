// INI as Python's configparser reads medusa.ini (interpolation off, strict): `key = value` or
// `key: value`, keys lower-cased, `#`/`;` full-line comments only, deeper-indented lines continue
// the previous value, duplicate sections or keys are errors. k8ssandra-operator indents every line
// of its generated medusa.ini by four spaces, which this handles like Python does.

export type IniSections = Map<string, Map<string, string>>;

export class IniSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly source?: string,
  ) {
    super(`${source ?? 'ini'}:${line}: ${message}`);
    this.name = 'IniSyntaxError';
  }
}

/** Parses INI text into sections of lower-cased keys; [DEFAULT] values are inherited by every section. */
export function parseIni(text: string, source?: string): IniSections {
  const sections: IniSections = new Map();
  let defaults: Map<string, string> | undefined;
  let current: Map<string, string> | undefined;
  let lastKey: string | undefined;
  let lastIndent = 0;
  const lines = text.split(/\r?\n/);

  lines.forEach((raw, index) => {
    const lineNumber = index + 1;
    const trimmed = raw.trim();
    const indent = raw.length - raw.trimStart().length;
    if (trimmed === '') {
      // Python keeps blank lines inside a value only when a continuation follows; trailing ones are
      // trimmed below, so appending here is safe.
      if (current && lastKey !== undefined) current.set(lastKey, `${current.get(lastKey)}\n`);
      return;
    }
    if (trimmed.startsWith('#') || trimmed.startsWith(';')) return;
    if (current && lastKey !== undefined && indent > lastIndent) {
      const previous = current.get(lastKey) ?? '';
      current.set(lastKey, `${previous.replace(/\n+$/, '')}\n${trimmed}`);
      return;
    }
    const header = /^\[(.+)\]$/.exec(trimmed);
    if (header) {
      const name = header[1]!;
      if (sections.has(name) || (name === 'DEFAULT' && defaults)) {
        throw new IniSyntaxError(`section [${name}] appears twice`, lineNumber, source);
      }
      current = new Map();
      if (name === 'DEFAULT') defaults = current;
      else sections.set(name, current);
      lastKey = undefined;
      return;
    }
    if (!current) throw new IniSyntaxError(`'${trimmed}' comes before any [section]`, lineNumber, source);
    const delimiter = /[=:]/.exec(trimmed);
    if (!delimiter) throw new IniSyntaxError(`'${trimmed}' is not 'key = value'`, lineNumber, source);
    const key = trimmed.slice(0, delimiter.index).trim().toLowerCase();
    if (key === '') throw new IniSyntaxError(`'${trimmed}' has no key`, lineNumber, source);
    if (current.has(key))
      throw new IniSyntaxError(`key '${key}' appears twice in its section`, lineNumber, source);
    current.set(key, trimmed.slice(delimiter.index + 1).trim());
    lastKey = key;
    lastIndent = indent;
  });

  for (const section of sections.values()) {
    for (const [key, value] of section) section.set(key, value.replace(/\n+$/, ''));
    for (const [key, value] of defaults ?? []) {
      if (!section.has(key)) section.set(key, value.replace(/\n+$/, ''));
    }
  }
  return sections;
}

/** Formats sections as INI; multi-line values are written as indented continuation lines. */
export function formatIni(sections: IniSections): string {
  const blocks: string[] = [];
  for (const [name, entries] of sections) {
    const lines = [`[${name}]`];
    for (const [key, value] of entries) lines.push(`${key} = ${value.split('\n').join('\n    ')}`);
    blocks.push(lines.join('\n'));
  }
  return blocks.join('\n\n') + '\n';
}
