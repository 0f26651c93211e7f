// `.github/lockcheck.yml`: the one configuration schema the App and the CLI read.
import { z } from 'zod';
import { LineCounter, parseDocument, isNode } from 'yaml';

export const LEVELS = ['error', 'warning', 'note'] as const;
export type Level = (typeof LEVELS)[number];

export const LockcheckConfigSchema = z
  .object({
    /** Lowest severity that fails the run / the check run (the CLI's default too: one default everywhere). */
    failLevel: z.enum(LEVELS).default('warning'),
    /** Per-rule (rule id) or per-category (`lock-order`) override: `off` drops the findings, a level replaces their severity. A rule's own key wins. */
    rules: z.record(z.string().min(1), z.enum(['off', ...LEVELS])).default({}),
    paths: z
      .object({
        include: z.array(z.string().min(1)).default([]),
        exclude: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .prefault({}),
    /** Wall-clock budget of one pull request's analysis; past it the App publishes a partial result. */
    timeBudgetSeconds: z.number().positive().max(3600).default(120),
    /**
     * Findings the model refuted: `show` (default) keeps them at their severity, counted by the
     * fail level; `hide` leaves them out of the output and the fail level.
     */
    refuted: z.enum(['show', 'hide']).default('show'),
    /** Extra rule directories (repository-relative), on top of the built-in `rules/`. */
    rulesDirs: z.array(z.string().min(1)).default([]),
  })
  .strict();

export type LockcheckConfig = z.infer<typeof LockcheckConfigSchema>;

export const CONFIG_PATHS = ['.github/lockcheck.yml', '.github/lockcheck.yaml'] as const;

export function defaultConfig(): LockcheckConfig {
  return LockcheckConfigSchema.parse({});
}

export interface ConfigError {
  /** `config.timeBudgetSeconds: Too small: expected number to be >0` */
  message: string;
  /** 1-based line in the file, when known. */
  line?: number;
}

export type ConfigResult = { ok: true; config: LockcheckConfig } | { ok: false; errors: ConfigError[] };

/** Parses and validates the text of `.github/lockcheck.yml`. Never throws. */
export function parseConfig(text: string): ConfigResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({
        message: `YAML: ${e.message.split('\n')[0]}`,
        line: e.linePos?.[0]?.line ?? lineCounter.linePos(e.pos[0]).line,
      })),
    };
  }
  const raw: unknown = doc.toJS() ?? {};
  const parsed = LockcheckConfigSchema.safeParse(raw);
  if (parsed.success) return { ok: true, config: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => {
      const keys = (issue as { keys?: string[] }).keys;
      // an unknown key: point at the key itself, not at the map it is in
      const path = [...issue.path, ...(keys?.length ? [keys[0]!] : [])].map((p) => (typeof p === 'symbol' ? String(p) : p));
      // Point at the deepest node that exists (an unknown key's parent, a wrong value itself).
      let line: number | undefined;
      for (let n = path.length; n >= 0 && line === undefined; n--) {
        const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
        if (isNode(node) && node.range) line = lineCounter.linePos(node.range[0]).line;
      }
      const at = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
      const where = at.length > 0 ? at.join('.') : '(root)';
      return { message: `${where}: ${issue.message}`, ...(line !== undefined ? { line } : {}) };
    }),
  };
}

/** One line per error: `line 3: failLevel: Invalid option: expected one of "error"|"warning"|"note"`. */
export function formatConfigErrors(errors: readonly ConfigError[]): string {
  return errors.map((e) => (e.line !== undefined ? `line ${e.line}: ${e.message}` : e.message)).join('\n');
}
