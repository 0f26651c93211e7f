// The output contract (JSON `version: 1`). Other tools and our own bots read it: keep it stable.

export type Category = 'lock-order' | 'memory-ordering' | 'lifetime' | 'lock-balance';
export type Severity = 'error' | 'warning' | 'note';

/** One step of a witness path. */
export interface WitnessStep {
  file: string;
  line: number;
  col?: number;
  function: string;
  /** `acquire vgic_irq_rank.lock`, `call vgic_get_target_vcpu`, `store pending_irq.inflight`, ... */
  event: string;
  /** The C source line, trimmed, when known. */
  code?: string;
}

/** One side of a race / one edge of a cycle: a named thread of execution with its call chain. */
export interface WitnessPath {
  /** Short label a reviewer recognises: `CPU0`, `writer`, `freeing path`. */
  label: string;
  /** Entry function first, down to the function holding the last step. */
  callChain: string[];
  steps: WitnessStep[];
}

export interface TraceStep {
  cpu: number;
  op: string;
  code?: string;
  file?: string;
  line?: number;
  /** Values read/written, `q->tail = 5`. */
  note?: string;
}

/** One guess a verdict rests on, and whether the model checked it against the code. */
export interface Assumption {
  /** `concurrency` (which entry points run at once), `alias` (which instances are one lock / object), `lock-class` (lock identity / level and where it came from), `path` (a branch condition on the walked path), `abstraction` (what the model left out and how it stands in for it). */
  kind: 'concurrency' | 'alias' | 'lock-class' | 'path' | 'abstraction';
  text: string;
  /** true: the model checked it (a condition it evaluates, a lock it runs); false: taken on trust. */
  checked: boolean;
  /** `file:line` the assumption is about, when there is one. */
  source?: string;
}

export interface Confirmation {
  status: 'not-run' | 'confirmed' | 'refuted' | 'unknown';
  /** `extracted`: a model built from the code. `template`: no model could be extracted; the status is then `unknown` and `illustration` holds the textbook scenario. */
  method?: 'extracted' | 'template';
  /** Outcome shown at the end of the trace: `DEADLOCK`, `USE AFTER FREE`, ... */
  outcome?: string;
  trace?: TraceStep[];
  states?: number;
  ms?: number;
  /** Why the search gave up or no model could be built (`unknown`), or why the code is safe within the model (`refuted`). */
  reason?: string;
  /** The guesses the verdict rests on (which CPUs run concurrently, aliasing, lock classes, path conditions). */
  assumptions?: Assumption[];
  /** Initial values of shared state the confirming interleaving needs (`{ 'port.pending': 8 }`). */
  initialValues?: Record<string, number>;
  /** A herd7 litmus test of a memory-ordering model (`herd7 -model linux-kernel.cat`). */
  litmus?: string;
  /** The rule's textbook scenario run by a template when no model could be extracted: an illustration, not a check of the code. */
  illustration?: { outcome?: string; trace: TraceStep[] };
}

export interface Finding {
  id: string;
  rule: string;
  category: Category;
  severity: Severity;
  file: string;
  line: number;
  col?: number;
  function: string;
  functions: string[];
  locks: string[];
  message: string;
  witness: WitnessPath[];
  confirmation: Confirmation;
  /**
   * The build configurations (`x86`, `arm64`) the finding holds in, when the tree has several
   * architectures and each was analysed as its own program.
   */
  configurations?: string[];
  /** Set by differential (patch) analysis. */
  change?: 'introduced' | 'fixed' | 'pre-existing';
  /** Set when the run was compared with `--baseline`: every reported finding is then `new`. */
  baselineState?: 'new';
  /** Free-form extras a checker wants to keep (ranking score, shared locations, ...). */
  extra?: Record<string, unknown>;
}

export interface InputError {
  file: string;
  reason: string;
}

export interface RunStats {
  files: number;
  lines: number;
  functions: number;
  seconds: number;
  /**
   * Lock acquisitions whose lock has no class because its struct type is not declared in the
   * analyzed files (`get_dev(x)->lock` with get_dev undeclared): they take part in no
   * lock-order edge. `example` names one.
   */
  unclassifiedLocks?: { count: number; example: string };
  /**
   * The per-file facts cache (absent with `--no-cache`): files whose facts were read from it,
   * files parsed, and entries found unreadable (recomputed).
   */
  cache?: { hits: number; misses: number; unreadable?: number };
  /** Findings the model refuted that `--hide-refuted` / `refuted: hide` left out. */
  hiddenRefuted?: number;
  /** Findings a `lockcheck-disable-line` / `-next-line` comment silenced. */
  suppressed?: number;
  /** Findings left out because `--baseline` already had them. */
  inBaseline?: number;
  /**
   * A tree with several architectures: each build configuration analysed (functions in its
   * program, how many were analysed there rather than taken unchanged from `base`), and
   * those skipped because their architecture takes no lock of its own.
   */
  configurations?: { name: string; files: number; functions: number; analysed: number; base?: string; findings: number; seconds?: number; skipped?: boolean }[];
  /**
   * A patch analysed against a tree: the context files read beside the touched files, by
   * source (directory, headers, callees, closingCallers, lockChain, lockPartners, contextRoots,
   * callers),
   * and one line per cap that cut the context (`truncated`, empty when nothing was left out).
   */
  context?: { files: number; counts: Record<string, number>; truncated: string[] };
  /** Headers read for their types only (`-I DIR`), not counted in `files`. */
  includeHeaders?: number;
  /** `--each`: every PATH analysed as its own tree, with its files and the findings reported in it. */
  trees?: { path: string; files: number; findings: number }[];
  /** A patch: what was not analyzed and why (`drivers/x.c: hunk at line 580 not analyzed: no function signature`). */
  notes?: string[];
}

export interface Report {
  version: 1;
  findings: Finding[];
  errors: InputError[];
  stats: RunStats;
}
