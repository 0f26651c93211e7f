// Public API of the interleaving explorer.
export { model, ThreadBuilder } from './model.js';
export type { ModelJSON, ThreadJSON, Op, Src, Expr, InvariantJSON, LockMode, MemOrder, FenceKind, RmwOp, ModelSpec, OpOpts } from './model.js';
export { explore, toConfirmation } from './explore.js';
export type { ExploreOptions, ExploreResult, SearchStats, Reduction } from './explore.js';
export { compileModel, ModelError } from './program.js';
export type { Program } from './program.js';
