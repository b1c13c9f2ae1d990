/**
 * Client IDs as nodes announce them in Hello, split into name and version for crawl summaries.
 *
 * The common shape is geth's `Name/vVersion-tag-commit/os-arch/runtime`, which most clients
 * follow loosely:
 *
 *   Geth/v1.17.0-stable-3b6e3e6a/linux-amd64/go1.26.0
 *   Geth/my-identity/v1.13.14-stable-2bd6bd01/linux-amd64/go1.21.7   (geth --identity)
 *   erigon/v2.60.1-2c8b5bb6/linux-amd64/go1.21.5
 *   Nethermind/v1.25.4+20b10b35/linux-x64/dotnet8.0.2
 *   reth/v1.0.0-1b1f6d2/x86_64-unknown-linux-gnu
 *   besu/v24.1.2/linux-x86_64/openjdk-java-17
 *
 * Parsing never throws: anything unrecognised keeps the raw string and an 'unknown' version.
 */

/** A client ID split into its parts (absent parts are undefined). */
export interface ClientInfo {
  /** The ID as announced. */
  raw: string;
  /** Lower-cased client name (first segment), e.g. "geth", "erigon", "nethermind"; "unknown" if empty. */
  name: string;
  /** Semantic version without the leading "v" (e.g. "1.17.0"), or undefined if none was found. */
  version?: string;
  /** What followed the version in its segment (e.g. "stable-3b6e3e6a", "+20b10b35"). */
  versionSuffix?: string;
  /** Segments between the name and the version (geth's --identity), joined by "/". */
  identity?: string;
  /** Operating system when recognisable (linux, darwin, windows, freebsd). */
  os?: string;
  /** CPU architecture when recognisable (amd64, arm64, x86_64, x64, aarch64...). */
  arch?: string;
  /** The runtime segment (e.g. "go1.26.0", "dotnet8.0.2", "openjdk-java-17"). */
  runtime?: string;
}

/** A version segment: optional "v", dotted digits, then anything (tag, commit, build). */
const VERSION_RE = /^v?(\d+(?:\.\d+){0,3})(.*)$/i;
const OS_NAMES = ['linux', 'darwin', 'macos', 'osx', 'windows', 'win32', 'freebsd', 'openbsd', 'netbsd', 'android', 'ios'];
const ARCH_NAMES = ['amd64', 'x86_64', 'x64', 'arm64', 'aarch64', 'arm', 'armv7', '386', 'x86', 'i686', 'riscv64', 's390x', 'ppc64le'];
const RUNTIME_RE = /^(go\d|dotnet|rustc|openjdk|oracle|java|nim|node|nodejs|jdk)/i;

/** Splits a Hello client ID into name, version, platform and runtime. */
export function parseClientId(raw: string): ClientInfo {
  const parts = raw.trim().split('/');
  const name = (parts[0] ?? '').trim().toLowerCase() || 'unknown';
  const info: ClientInfo = { raw, name };
  let i = 1;
  // The version is the first segment after the name that starts with a dotted number; the
  // ones before it are a user-chosen identity (geth --identity).
  for (; i < parts.length; i++) {
    const m = VERSION_RE.exec(parts[i]!);
    if (m && /^v|\d+\.\d/i.test(parts[i]!)) {
      info.version = m[1]!;
      const suffix = m[2]!.replace(/^[-+_.]/, (c) => (c === '+' ? '+' : ''));
      if (suffix) info.versionSuffix = suffix;
      if (i > 1) info.identity = parts.slice(1, i).join('/');
      i++;
      break;
    }
  }
  if (info.version === undefined) i = 1;
  for (; i < parts.length; i++) {
    const seg = parts[i]!;
    const platform = parsePlatform(seg);
    if (platform && info.os === undefined && info.arch === undefined) {
      if (platform.os) info.os = platform.os;
      if (platform.arch) info.arch = platform.arch;
    } else if (RUNTIME_RE.test(seg) && info.runtime === undefined) {
      info.runtime = seg;
    }
  }
  return info;
}

/** "linux-amd64", "x86_64-unknown-linux-gnu", "X64-Linux", "linux-x86_64": OS and architecture. */
function parsePlatform(seg: string): { os?: string; arch?: string } | undefined {
  const tokens = seg.toLowerCase().split(/[-_]/);
  let os: string | undefined;
  let arch: string | undefined;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    // "x86_64" was split at the underscore: join it back.
    if (t === 'x86' && tokens[k + 1] === '64') {
      arch ??= 'x86_64';
      k++;
      continue;
    }
    if (os === undefined && OS_NAMES.includes(t)) os = t === 'macos' || t === 'osx' ? 'darwin' : t === 'win32' ? 'windows' : t;
    else if (arch === undefined && ARCH_NAMES.includes(t)) arch = t;
  }
  if (os === undefined && arch === undefined) return undefined;
  return { ...(os ? { os } : {}), ...(arch ? { arch } : {}) };
}

/** "geth v1.17.0" (or "geth" when the version is unknown): the key crawl summaries group by. */
export function clientLabel(info: ClientInfo): string {
  return info.version ? `${info.name} v${info.version}` : info.name;
}
