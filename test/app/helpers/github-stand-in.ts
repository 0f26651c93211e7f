// A local HTTP server standing in for GitHub's REST API (served under /api/v3, as GitHub
// Enterprise does, so the App reaches it through GHE_HOST/GHE_PROTOCOL). It serves one or more
// repositories from in-memory tarballs, keeps check runs and comments, enforces the limits
// GitHub enforces (50 annotations per call, 65,535-character summaries, review comments only
// on diff lines), and records every call.
import { createPublicKey, verify } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { commentableLines } from '../../../src/app/diff-lines.js';

export interface RecordedCall {
  method: string;
  path: string;
  query: URLSearchParams;
  body: any;
  status: number;
  at: number;
}

export interface StandInFile {
  filename: string;
  status: 'added' | 'modified' | 'removed' | 'renamed';
  patch?: string;
}

export interface StandInPull {
  number: number;
  headSha: string;
  baseSha: string;
  files: StandInFile[];
}

export interface CheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  output: { title?: string; summary?: string; annotations_count: number };
  annotations: any[];
}

export interface StoredComment {
  id: number;
  body: string;
  path?: string;
  line?: number;
  commit_id?: string;
  user: { login: string; type: string };
}

export interface Fault {
  method: string;
  /** Matched against the path without the /api/v3 prefix. */
  path: RegExp;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** How many times to fail before letting calls through. */
  times: number;
}

const BOT = { login: 'lockcheck[bot]', type: 'Bot' };

export class GitHubStandIn {
  readonly calls: RecordedCall[] = [];
  readonly tarballs = new Map<string, Buffer>();
  readonly pulls = new Map<number, StandInPull>();
  readonly checkRuns: CheckRun[] = [];
  readonly reviewComments: StoredComment[] = [];
  readonly reviews: { id: number; commit_id: string; body: string; comments: number }[] = [];
  readonly issueComments: StoredComment[] = [];
  readonly faults: Fault[] = [];
  readonly tokens = new Set<string>();
  private nextId = 1000;
  private server: Server | undefined;
  private readonly publicKeyPem: string;
  readonly appId: number;

  constructor(opts: { publicKeyPem: string; appId: number }) {
    this.publicKeyPem = opts.publicKeyPem;
    this.appId = opts.appId;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  callsTo(method: string, path: RegExp): RecordedCall[] {
    return this.calls.filter((c) => c.method === method && path.test(c.path));
  }

  /** Calls that change something on "GitHub" (everything but GET and the token exchange). */
  writes(): RecordedCall[] {
    return this.calls.filter((c) => c.method !== 'GET' && !c.path.includes('/access_tokens'));
  }

  private id(): number {
    return this.nextId++;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: any = undefined;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/^\/api\/v3/, '');
    const call: RecordedCall = { method, path, query: url.searchParams, body, status: 0, at: Date.now() };
    this.calls.push(call);
    const send = (status: number, data?: unknown, headers: Record<string, string> = {}): void => {
      call.status = status;
      if (Buffer.isBuffer(data)) {
        res.writeHead(status, { 'content-type': 'application/x-gzip', 'content-length': String(data.length), ...headers });
        res.end(data);
        return;
      }
      const text = data === undefined ? '' : JSON.stringify(data);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-ratelimit-remaining': '4999', ...headers });
      res.end(text);
    };

    const fault = this.faults.find((f) => f.times > 0 && f.method === method && f.path.test(path));
    if (fault) {
      fault.times--;
      return send(fault.status, fault.body ?? { message: 'fault' }, fault.headers);
    }

    // Authentication: the App's JWT for the token exchange, installation tokens elsewhere.
    const auth = req.headers.authorization ?? '';
    let m: RegExpExecArray | null;
    if (method === 'POST' && (m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path))) {
      const jwt = auth.replace(/^bearer /i, '');
      if (!this.verifyJwt(jwt)) return send(401, { message: 'A JSON web token could not be decoded' });
      const token = `ghs_${this.id()}`;
      this.tokens.add(token);
      return send(201, {
        token,
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        permissions: { contents: 'read', pull_requests: 'write', checks: 'write', metadata: 'read' },
        repository_selection: 'all',
      });
    }
    if (!path.startsWith('/codeload/')) {
      const token = auth.replace(/^(token|bearer) /i, '');
      if (!this.tokens.has(token)) return send(401, { message: 'Bad credentials' });
    }

    const repo = '/repos/([^/]+)/([^/]+)';
    const route = (verb: string, re: string): RegExpExecArray | null => (method === verb ? new RegExp(`^${re}$`).exec(path) : null);

    if ((m = route('GET', `${repo}/pulls/(\\d+)/files`))) {
      const pull = this.pulls.get(Number(m[3]));
      if (!pull) return send(404, { message: 'Not Found' });
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      const slice = pull.files.slice((page - 1) * perPage, page * perPage);
      const headers: Record<string, string> = {};
      if (page * perPage < pull.files.length) {
        const next = new URL(req.url ?? '', `http://${req.headers.host}`);
        next.searchParams.set('page', String(page + 1));
        headers.link = `<http://${req.headers.host}${next.pathname}${next.search}>; rel="next"`;
      }
      return send(200, slice.map((f) => ({ sha: 'x', filename: f.filename, status: f.status, additions: 1, deletions: 0, changes: 1, patch: f.patch })), headers);
    }
    if ((m = route('GET', `${repo}/compare/([0-9a-f]+)\\.\\.\\.([0-9a-f]+)`))) {
      return send(200, { merge_base_commit: { sha: m[3] }, files: [], commits: [] });
    }
    if ((m = route('GET', `${repo}/tarball/([^/]+)`))) {
      const sha = m[3]!;
      if (!this.tarballs.has(sha)) return send(404, { message: 'Not Found' });
      // GitHub answers with a redirect to the archive host.
      return send(302, undefined, { location: `http://${req.headers.host}/codeload/${m[1]}/${m[2]}/legacy.tar.gz/${sha}` });
    }
    if ((m = route('GET', `/codeload/([^/]+)/([^/]+)/legacy\\.tar\\.gz/([^/]+)`))) {
      const tar = this.tarballs.get(m[3]!);
      return tar ? send(200, tar) : send(404, { message: 'Not Found' });
    }
    if ((m = route('GET', `${repo}/commits/([^/]+)/check-runs`))) {
      const runs = this.checkRuns.filter((r) => r.head_sha === m![3] && (!url.searchParams.get('check_name') || r.name === url.searchParams.get('check_name')));
      return send(200, { total_count: runs.length, check_runs: runs.map((r) => this.publicRun(r)) });
    }
    if ((m = route('POST', `${repo}/check-runs`))) {
      const problem = this.checkOutputProblem(body);
      if (problem) return send(422, { message: problem });
      const run: CheckRun = {
        id: this.id(),
        name: body.name,
        head_sha: body.head_sha,
        status: body.conclusion ? 'completed' : (body.status ?? 'queued'),
        conclusion: body.conclusion ?? null,
        output: { title: body.output?.title, summary: body.output?.summary, annotations_count: 0 },
        annotations: [],
      };
      this.applyOutput(run, body);
      this.checkRuns.push(run);
      return send(201, this.publicRun(run));
    }
    if ((m = route('PATCH', `${repo}/check-runs/(\\d+)`))) {
      const run = this.checkRuns.find((r) => r.id === Number(m![3]));
      if (!run) return send(404, { message: 'Not Found' });
      const problem = this.checkOutputProblem(body);
      if (problem) return send(422, { message: problem });
      if (body.status) run.status = body.status;
      if (body.conclusion) {
        run.conclusion = body.conclusion;
        run.status = 'completed';
      }
      this.applyOutput(run, body);
      return send(200, this.publicRun(run));
    }
    if ((m = route('POST', `${repo}/pulls/(\\d+)/reviews`))) {
      const pull = this.pulls.get(Number(m[3]));
      if (!pull) return send(404, { message: 'Not Found' });
      const comments: any[] = body.comments ?? [];
      for (const c of comments) {
        const file = pull.files.find((f) => f.filename === c.path);
        if (!file || !commentableLines(file.patch).has(c.line) || (c.side && c.side !== 'RIGHT')) {
          return send(422, { message: 'Unprocessable Entity', errors: ['Line could not be resolved'] });
        }
      }
      const review = { id: this.id(), commit_id: body.commit_id, body: body.body, comments: comments.length };
      this.reviews.push(review);
      for (const c of comments) this.reviewComments.push({ id: this.id(), body: c.body, path: c.path, line: c.line, commit_id: body.commit_id, user: BOT });
      return send(200, { id: review.id, body: review.body, state: 'COMMENTED', commit_id: review.commit_id, user: BOT });
    }
    if ((m = route('GET', `${repo}/pulls/(\\d+)/comments`))) {
      return send(200, this.reviewComments.map((c) => ({ ...c, pull_request_review_id: 1, diff_hunk: '', original_line: c.line })));
    }
    if ((m = route('PATCH', `${repo}/pulls/comments/(\\d+)`))) {
      const c = this.reviewComments.find((x) => x.id === Number(m![3]));
      if (!c) return send(404, { message: 'Not Found' });
      c.body = body.body;
      return send(200, c);
    }
    if ((m = route('DELETE', `${repo}/pulls/comments/(\\d+)`))) {
      const i = this.reviewComments.findIndex((x) => x.id === Number(m![3]));
      if (i < 0) return send(404, { message: 'Not Found' });
      this.reviewComments.splice(i, 1);
      return send(204);
    }
    if ((m = route('GET', `${repo}/issues/(\\d+)/comments`))) {
      return send(200, this.issueComments);
    }
    if ((m = route('POST', `${repo}/issues/(\\d+)/comments`))) {
      const c: StoredComment = { id: this.id(), body: body.body, user: BOT };
      this.issueComments.push(c);
      return send(201, c);
    }
    if ((m = route('PATCH', `${repo}/issues/comments/(\\d+)`))) {
      const c = this.issueComments.find((x) => x.id === Number(m![3]));
      if (!c) return send(404, { message: 'Not Found' });
      c.body = body.body;
      return send(200, c);
    }
    return send(404, { message: `stand-in has no route for ${method} ${path}` });
  }

  private publicRun(r: CheckRun): unknown {
    return { id: r.id, name: r.name, head_sha: r.head_sha, status: r.status, conclusion: r.conclusion, output: { ...r.output } };
  }

  private checkOutputProblem(body: any): string | undefined {
    const out = body?.output;
    if (!out) return undefined;
    if (typeof out.summary === 'string' && out.summary.length > 65_535) return 'output.summary is too long (maximum is 65535 characters)';
    if (Array.isArray(out.annotations) && out.annotations.length > 50) return 'output.annotations: at most 50 per request';
    return undefined;
  }

  private applyOutput(run: CheckRun, body: any): void {
    if (!body.output) return;
    run.output.title = body.output.title ?? run.output.title;
    run.output.summary = body.output.summary ?? run.output.summary;
    for (const a of body.output.annotations ?? []) run.annotations.push(a);
    run.output.annotations_count = run.annotations.length;
  }

  private verifyJwt(jwt: string): boolean {
    const [h, p, s] = jwt.split('.');
    if (!h || !p || !s) return false;
    const ok = verify('RSA-SHA256', Buffer.from(`${h}.${p}`), createPublicKey(this.publicKeyPem), Buffer.from(s, 'base64url'));
    if (!ok) return false;
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as { iss?: string | number };
    return String(claims.iss) === String(this.appId);
  }
}
