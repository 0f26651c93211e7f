// Worker -> main thread transfer. Every event's `loc.file` is the same string as its
// function's `file`; structured clone would copy it per event (hundreds of MB on a
// kernel tree), so it is blanked before sending and restored by reference after.
import type { FileFacts } from '../frontend/file-facts.js';

export function stripFiles(facts: FileFacts[]): void {
  for (const f of facts) for (const fn of f.functions) for (const b of fn.blocks) for (const e of b.events) e.loc.file = '';
}

export function restoreFiles(facts: FileFacts[]): void {
  for (const f of facts) {
    const file = f.file;
    for (const fn of f.functions) {
      fn.file = file;
      fn.loc.file = file;
      for (const b of fn.blocks) for (const e of b.events) e.loc.file = file;
    }
  }
}
