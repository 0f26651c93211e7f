// What every hand-written seed model provides.
import type { ModelJSON } from '../explorer/model.js';

export interface SeedModel {
  /** `000-evtchn-fifo`, ... */
  id: string;
  title: string;
  /** Seed thread file under ../shared/seeds. */
  thread: string;
  /** The code as the thread shows it before the fix: must yield `outcome`. */
  bug: ModelJSON;
  /** The fixed code: exhaustively free of the violation. */
  fixed: ModelJSON;
  /** Outcome the bug model must end in. */
  outcome: string;
}
