// How paths inside a container become paths on this machine. A container sees its volume mounts;
// its process here sees the local directories behind them, so every container path in its args,
// env values and MEDUSA_INI is rewritten through this table (longest mount path first).

export interface PathMapping {
  /** Mount path inside the container, e.g. /var/lib/cassandra. */
  containerPath: string;
  /** Local directory or file standing in for it. */
  localPath: string;
  /** Volume name, for messages and docs. */
  volume: string;
}

const trimSlash = (path: string): string => (path.length > 1 ? path.replace(/\/+$/, '') : path);
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class PathMap {
  readonly mappings: readonly PathMapping[];
  private readonly pattern: RegExp | undefined;

  constructor(mappings: PathMapping[]) {
    this.mappings = [...mappings]
      .map((m) => ({ ...m, containerPath: trimSlash(m.containerPath), localPath: trimSlash(m.localPath) }))
      .sort((a, b) => b.containerPath.length - a.containerPath.length);
    const paths = this.mappings.map((m) => escape(m.containerPath)).filter((p) => p !== '/');
    // A container path counts only as a whole path segment: at the start of the text or after a
    // character that cannot be part of a path, and followed by `/` or a non-path character.
    this.pattern =
      paths.length === 0 ? undefined : new RegExp(`(^|[^\\w./~-])(${paths.join('|')})(?=$|[^\\w.~-])`, 'gm');
  }

  /** The local path for a container path, or undefined when no mount covers it. */
  resolve(containerPath: string): string | undefined {
    const path = trimSlash(containerPath);
    for (const m of this.mappings) {
      if (path === m.containerPath) return m.localPath;
      if (path.startsWith(`${m.containerPath}/`)) return m.localPath + path.slice(m.containerPath.length);
    }
    return undefined;
  }

  /** Text with every mounted container path replaced by its local path. */
  rewrite(text: string): string {
    if (!this.pattern) return text;
    return text.replace(this.pattern, (_match, before: string, path: string) => {
      const local = this.mappings.find((m) => m.containerPath === path)?.localPath ?? path;
      return before + local;
    });
  }
}
