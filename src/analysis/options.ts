import type { JSONSchema } from '@typescript-eslint/utils';

import type { FixMode } from './fix';
import type { ConfiguredLock } from './locks';

export interface RaceRuleOptions {
  locks?: ConfiguredLock[];
  fix?: FixMode;
}

/** The options every race rule takes: the user's own lock APIs. */
export const raceRuleSchema: JSONSchema.JSONSchema4[] = [
  {
    type: 'object',
    additionalProperties: false,
    properties: {
      fix: {
        type: 'string',
        enum: ['autofix', 'suggestion', 'none'],
        description:
          'How the runExclusive wrap is offered: applied by `eslint --fix` where every guarantee holds and as a suggestion otherwise (`autofix`), only as an editor suggestion (`suggestion`), or not at all (`none`).',
      },
      locks: {
        type: 'array',
        description: 'Lock APIs of your own, besides async-mutex, async-lock and navigator.locks.',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['module', 'export'],
          properties: {
            module: { type: 'string', minLength: 1, description: 'The module specifier the lock function is imported from.' },
            export: { type: 'string', minLength: 1, description: 'The exported name of the lock function (`default` for a default export).' },
            callbackArgument: {
              type: 'integer',
              minimum: 0,
              description: 'Index of the critical-section callback among the arguments (default: the last function argument).',
            },
          },
        },
      },
    },
  },
];
