/**
 * Reduced real code that more than one rule's tests check. matrix-js-sdk's action scheduler after
 * `eslint --fix` wrapped its loop body: a lock callback run once per loop iteration, where a const
 * of the last pass held a read made under the lock (no race: every read and write is under it).
 */
export const lockCallbackInLoop = `import { Mutex } from 'async-mutex';
interface Action { ts: number; type: string }
type Update = { replace: Action[] } | { insert: Action[] } | Record<string, never>;
export class Scheduler {
  private readonly actionsMutex = new Mutex();
  private actions: Action[] = [];
  private woken: Update | undefined;
  constructor(private readonly handle: (type: string) => Promise<Update>) {}
  async run(): Promise<void> {
    while (this.actions.length > 0) {
      this.actions.sort((a, b) => a.ts - b.ts);
      await this.actionsMutex.runExclusive(async () => {
        const next = this.actions[0];
        let result: Update = {};
        if (!this.woken) {
          result = await this.handle(next.type);
        }
        this.actions.splice(0, 1);
        const update = this.woken ?? result;
        if ('replace' in update) {
          this.actions = update.replace;
        } else if ('insert' in update) {
          this.actions.push(...update.insert);
        }
      });
    }
  }
}`;
