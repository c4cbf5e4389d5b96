/** The 1-based line and column where `snippet` starts in `code` (its `occurrence`-th appearance). */
export function locate(code: string, snippet: string, occurrence = 1): { line: number; column: number } {
  let index = -1;
  for (let i = 0; i < occurrence; i++) {
    index = code.indexOf(snippet, index + 1);
    if (index < 0) throw new Error(`snippet not found in test code: ${snippet}`);
  }
  const before = code.slice(0, index).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

export interface Sequence {
  /** Text of the write the report is on. */
  write: string;
  /** Text on the line of the read (or check). */
  read: string;
  /** Text on the line of the suspension. */
  suspend: string;
  /** Which appearance of `write` (default the first). */
  writeOccurrence?: number;
  readOccurrence?: number;
  suspendOccurrence?: number;
}

/** The expected error of a rule-tester case, located by text in the case's code. */
export function expectReport<M extends string>(
  code: string,
  messageId: M,
  state: string,
  sequence: Sequence,
  extra: Record<string, string | number> = {},
): { messageId: M; data: Record<string, string | number>; line: number; column: number } {
  const at = locate(code, sequence.write, sequence.writeOccurrence);
  return {
    messageId,
    data: {
      state,
      readLine: locate(code, sequence.read, sequence.readOccurrence).line,
      suspendLine: locate(code, sequence.suspend, sequence.suspendOccurrence).line,
      ...extra,
    },
    line: at.line,
    column: at.column,
  };
}
