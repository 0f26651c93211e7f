// What the three commands (main, patch, mbox) share about rule selection: the config file
// (`--config`, else a tree's `.github/lockcheck.yml`), `--disable RULE`, and one check of every
// rule name the user wrote, so a typo is an error (exit 2) rather than a rule that never runs.
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { join } from 'node:path';
import { CONFIG_PATHS, defaultConfig, type LockcheckConfig } from '../config/schema.js';
import { loadConfigFile } from '../config/load-file.js';
import { unknownRuleNames } from '../config/rule-names.js';

export interface RuleOptionsInput {
  /** `--config FILE`. */
  config?: string;
  /** A tree (`--tree DIR`) whose `.github/lockcheck.yml` applies when there is no `--config`. */
  tree?: string;
  /** `--rule ID` (rule ids only). */
  rule: readonly string[];
  /** `--disable NAME` (rule ids or categories). */
  disable: readonly string[];
}

export interface RuleOptions {
  /** The config in force (with `--disable` folded in as `off`), or undefined when there is none and nothing is disabled. */
  config?: LockcheckConfig;
  /** The file it came from. */
  configFile?: string;
}

/** Loads the config and checks every rule name; all mistakes are listed, not only the first. */
export function resolveRuleOptions(input: RuleOptionsInput): RuleOptions | { errors: string[] } {
  const errors: string[] = [];
  let config: LockcheckConfig | undefined;
  let configFile = input.config;
  if (!configFile && input.tree) configFile = CONFIG_PATHS.map((p) => join(input.tree!, p)).find((p) => existsSync(p));
  if (configFile) {
    const loaded = loadConfigFile(configFile);
    if ('error' in loaded) {
      errors.push(loaded.error);
      // the rule names of a file with other mistakes are checked too: every mistake at once
      errors.push(...unknownRuleNames(rawRuleKeys(configFile), `${configFile}: rules:`, true));
    } else {
      config = loaded.config;
      errors.push(...unknownRuleNames(Object.keys(config.rules), `${configFile}: rules:`, true));
    }
  }
  errors.push(...unknownRuleNames(input.rule, '--rule', false));
  errors.push(...unknownRuleNames(input.disable, '--disable', true));
  if (errors.length) return { errors };
  if (input.disable.length) {
    config ??= defaultConfig();
    config = { ...config, rules: { ...config.rules, ...Object.fromEntries(input.disable.map((d) => [d, 'off' as const])) } };
  }
  return { ...(config ? { config } : {}), ...(configFile && config ? { configFile } : {}) };
}

/** The keys under `rules:` of a config file that does not validate (none when it is not YAML). */
function rawRuleKeys(file: string): string[] {
  try {
    const doc = parseYaml(readFileSync(file, 'utf8')) as { rules?: unknown } | null;
    return doc && typeof doc.rules === 'object' && doc.rules !== null && !Array.isArray(doc.rules) ? Object.keys(doc.rules) : [];
  } catch {
    return [];
  }
}
