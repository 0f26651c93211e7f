// Shared types of the GitHub App front end.
import type { Finding, InputError } from '../report/finding.js';
import type { LockcheckConfig } from '../config/schema.js';

export interface AnalyzerInput {
  /** Extracted base tree (merge base of the pull request). */
  baseDir: string;
  /** Extracted head tree. */
  headDir: string;
  /** Repository-relative paths the pull request adds or modifies. */
  changedFiles: string[];
  config: LockcheckConfig;
  /** Absolute time (ms since epoch) past which the analyzer should return what it has. */
  deadlineMs: number;
}

export interface AnalyzerResult {
  /** Findings introduced by the pull request, with repository-relative `file`s. */
  findings: Finding[];
  /** True when the analysis stopped early (time budget) and the findings are incomplete. */
  partial: boolean;
  errors: InputError[];
}

/** The analysis the app runs on a pull request; injected so tests and other engines can replace it. */
export type PullRequestAnalyzer = (input: AnalyzerInput) => Promise<AnalyzerResult>;

/** Coordinates of one pull request at one head commit. */
export interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
  headSha: string;
  baseSha: string;
  installationId?: number;
}

/** One file of the pull request, as `GET /repos/{o}/{r}/pulls/{n}/files` lists it. */
export interface PullRequestFile {
  filename: string;
  status: string;
  patch?: string;
}
