// When a lockcheck finding counts as finding a corpus bug.
//
// Rules: the review entry's `rules` (rule ids; `category:NAME` for a whole category), else the
// class default below. A `-lowconf` companion counts as its rule.
// Functions: the review entry's `expect.all` must all be named (both sides of an inversion)
// and, when given, one of `expect.any`; without a review entry, any function the json lists.
// A finding names a function in `function`, `functions`, a witness call chain or step.
// Locks (`expect.locks`), when given, must all appear among the finding's locks; `mentions`,
// when given, one of them must appear in the message (the shared field of a race).

export const CLASS_DEFAULT_RULES = {
  a: ['category:lock-order', 'recursive-lock'],
  b: ['category:memory-ordering'],
  c: ['category:lifetime'],
  // lock-balance minus recursive-lock (a self-deadlock, counted under a).
  d: ['lock-leak', 'double-unlock', 'category:lock-balance', '!recursive-lock'],
};

const base = (rule) => rule.replace(/-lowconf$/, '');

export function ruleFits(rules, f) {
  const r = base(f.rule);
  if (rules.includes(`!${r}`)) return false;
  return rules.includes(r) || rules.includes(`category:${f.category}`);
}

export function namedFunctions(f) {
  const s = new Set([f.function, ...(f.functions ?? [])]);
  for (const c of f.chains ?? []) {
    for (const fn of c.callChain) s.add(fn);
    for (const fn of c.fns) s.add(fn);
  }
  s.delete(undefined);
  return s;
}

// `gic@gic.c.lock` (field of a file-scope global) and `console_lock@console.c` (a global lock)
// compare as `gic.lock` and `console_lock`: a review names locks without the file.
const normLock = (l) => l.replace(/^&/, '').replace(/\s+/g, '').replace(/@[\w.-]+?\.[ch](?=\.|$)/g, '');

function locksFit(want, f) {
  if (!want?.length) return true;
  const have = (f.locks ?? []).map(normLock);
  return want.every((w) => have.some((h) => h === normLock(w) || h.endsWith(`.${normLock(w)}`) || h.includes(normLock(w))));
}

/** The expectation of a case: review entry merged over the json's defaults. */
export function expectationOf(kase, review) {
  const rules = review?.rules?.length ? review.rules : CLASS_DEFAULT_RULES[review?.class ?? kase.class] ?? [];
  const all = review?.expect?.all ?? [];
  const any = review?.expect?.any ?? (all.length ? [] : kase.functions.map((f) => f.name));
  return { rules, all, any, locks: review?.expect?.locks ?? [], mentions: review?.expect?.mentions ?? [] };
}

export function matches(exp, f) {
  if (!ruleFits(exp.rules, f)) return false;
  const named = namedFunctions(f);
  if (!exp.all.every((fn) => named.has(fn))) return false;
  if (exp.any.length && !exp.any.some((fn) => named.has(fn))) return false;
  if (exp.mentions?.length && !exp.mentions.some((m) => f.message.includes(m))) return false;
  return locksFit(exp.locks, f);
}

/** Matching findings, the most severe and best confirmed first. */
export function matching(exp, findings) {
  const sev = { error: 0, warning: 1, note: 2 };
  const conf = { confirmed: 0, unknown: 1, 'not-run': 2, refuted: 3 };
  return findings.filter((f) => matches(exp, f)).sort((x, y) => (sev[x.severity] ?? 3) - (sev[y.severity] ?? 3) || (conf[x.status] ?? 4) - (conf[y.status] ?? 4));
}
