import type { TSESLint } from '@typescript-eslint/utils';

import { planReleaseInFinally } from '../src/analysis/fix/release-in-finally';
import { type ExitKind, releaseAnalyses } from '../src/analysis/lock-release';
import { lockSitesOf } from '../src/analysis/lock-sites';
import { createRule } from '../src/util/create-rule';

export type MessageIds = 'notReleased' | 'neverReleased' | 'releasedTwice' | 'releasedTwiceByLock' | 'releaseInFinally';

/** How the path that keeps the lock is named in the message. */
const PATH: Record<ExitKind, (line: number) => string> = {
  return: (line) => `when the function returns on line ${line}`,
  throw: (line) => `when the \`throw\` on line ${line} runs`,
  exception: (line) => `when line ${line} throws`,
  break: (line) => `after the \`break\` on line ${line}`,
  continue: (line) => `after the \`continue\` on line ${line}`,
  end: (line) => `when the function ends on line ${line}`,
};

export default createRule<[Record<string, never>], MessageIds>({
  name: 'require-lock-release',
  meta: {
    type: 'problem',
    fixable: 'code',
    hasSuggestions: true,
    docs: {
      description: 'Require a lock taken with `acquire()` to be released exactly once on every path, also when the section throws',
      recommended: 'recommended',
      requiresTypeChecking: true,
    },
    messages: {
      notReleased:
        '{{lock}} is acquired on line {{line}} and still held {{path}}: every later acquire of it then waits forever. Release it in a `finally` block.',
      neverReleased:
        '{{lock}} is acquired on line {{line}} but its releaser `{{releaser}}` is never called: every later acquire of it waits forever.',
      releasedTwice:
        '`{{releaser}}()` runs again here on a path where it already ran on line {{firstLine}}: the lock was let go there, so this call does nothing and the code after line {{firstLine}} does not hold the lock.',
      releasedTwiceByLock:
        '`{{lock}}.release()` runs again here on a path where the lock was already released on line {{firstLine}}: if another task took it in between, this call releases that task\'s lock and lets a third one in.',
      releaseInFinally: 'Move `{{release}}` into a `finally` block around lines {{firstLine}}–{{lastLine}}.',
    },
    schema: [{ type: 'object', additionalProperties: false, properties: {} }],
    defaultOptions: [{}],
  },
  create(context) {
    const sourceCode = context.sourceCode;
    // Fails at once, with one clear error, when the file has no type information.
    const { sites, services } = lockSitesOf(context, 'require-lock-release', []);
    return {
      Program() {
        for (const { findings, releases } of releaseAnalyses(sites, services, sourceCode)) {
          for (const finding of findings) {
            const { section } = finding;
            const lock = section.site.lock.label;
            const line = section.site.call.loc.start.line;
            if (finding.kind === 'releasedTwice') {
              const firstLine = finding.first.loc.start.line;
              context.report(
                section.releaser
                  ? { node: finding.release, messageId: 'releasedTwice', data: { releaser: section.releaser.name, firstLine } }
                  : { node: finding.release, messageId: 'releasedTwiceByLock', data: { lock: section.receiverText, firstLine } },
              );
            } else if (finding.kind === 'neverReleased') {
              context.report({
                node: section.site.call,
                messageId: 'neverReleased',
                data: { lock, line, releaser: section.releaser?.name ?? '' },
              });
            } else {
              const plan = planReleaseInFinally(section, releases, sourceCode);
              const release = [...releases][0];
              const suggestion: TSESLint.SuggestionReportDescriptor<MessageIds>[] =
                plan && !plan.autofix
                  ? [
                      {
                        messageId: 'releaseInFinally',
                        data: { release: sourceCode.getText(release), firstLine: line, lastLine: release.loc.end.line },
                        fix: plan.apply,
                      },
                    ]
                  : [];
              context.report({
                node: section.site.call,
                messageId: 'notReleased',
                data: { lock, line, path: PATH[finding.exit.kind](finding.exit.line) },
                fix: plan?.autofix ? plan.apply : null,
                suggest: suggestion,
              });
            }
          }
        }
      },
    };
  },
});
