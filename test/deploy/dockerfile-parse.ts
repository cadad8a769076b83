/** One Dockerfile instruction: the keyword (upper case) and the rest of its line(s). */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

/** One build stage: what it is built FROM, its name (AS …) and its instructions. */
export interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

/** A parsed Dockerfile: ARGs before the first FROM (with defaults) and the stages in order. */
export interface Dockerfile {
  readonly globalArgs: ReadonlyMap<string, string | undefined>;
  readonly stages: readonly Stage[];
}

/**
 * parseDockerfile splits a Dockerfile into instructions (joining "\" continuations, dropping
 * comments and blank lines) and groups them by stage. Enough for structural checks; not a
 * BuildKit front end (no heredocs, no escape directive).
 */
export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (pending === '' && (line.trim() === '' || line.trimStart().startsWith('#'))) return;
    if (pending !== '' && line.trimStart().startsWith('#')) return; // comment inside a continuation
    if (pending === '') start = i + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = (pending + line).trim();
    pending = '';
    const m = /^(\S+)\s*(.*)$/s.exec(full);
    if (m) instructions.push({ keyword: (m[1] as string).toUpperCase(), args: (m[2] as string).trim(), line: start });
  });
  if (pending !== '') throw new Error('Dockerfile ends inside a line continuation');

  const globalArgs = new Map<string, string | undefined>();
  const stages: { from: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`line ${ins.line}: cannot read FROM ${ins.args}`);
      stages.push({ from: m[1] as string, name: m[2]?.toLowerCase(), instructions: [] });
    } else if (stages.length === 0) {
      if (ins.keyword !== 'ARG') throw new Error(`line ${ins.line}: ${ins.keyword} before the first FROM`);
      const [k, v] = splitAssignment(ins.args);
      globalArgs.set(k, v);
    } else {
      (stages[stages.length - 1] as { instructions: Instruction[] }).instructions.push(ins);
    }
  }
  return { globalArgs, stages };
}

function splitAssignment(s: string): [string, string | undefined] {
  const eq = s.indexOf('=');
  return eq === -1 ? [s.trim(), undefined] : [s.slice(0, eq).trim(), s.slice(eq + 1).trim()];
}

/** envOf reads a stage's ENV instructions (KEY=VALUE pairs, unquoted or double-quoted). */
export function envOf(stage: Stage): Map<string, string> {
  const env = new Map<string, string>();
  for (const ins of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    for (const m of ins.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)) {
      env.set(m[1] as string, (m[2] as string).replace(/^"|"$/g, ''));
    }
  }
  return env;
}

/** jsonArgs reads an exec-form instruction (["a", "b"]). */
export function jsonArgs(ins: Instruction | undefined): string[] | undefined {
  if (ins === undefined) return undefined;
  const v: unknown = JSON.parse(ins.args);
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`line ${ins.line}: not an exec-form array`);
  return v;
}
