// Starts the real probot webhook server with the lockcheck App against the GitHub stand-in,
// and sends it signed webhook deliveries in GitHub's payload shapes.
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import webhookExamples from '@octokit/webhooks-examples';
import { createNodeMiddleware, createProbot } from 'probot';
import { createApp } from '../../../src/app/index.js';
import type { AppOptions } from '../../../src/app/index.js';
import { JobQueue } from '../../../src/app/queue.js';
import { TreeCache } from '../../../src/app/tree-cache.js';
import { GitHubStandIn } from './github-stand-in.js';

export const OWNER = 'lockcheck-test';
export const REPO = 'xen-mini';
export const INSTALLATION_ID = 4242;
export const SECRET = 'test-webhook-secret';

/** A .tar.gz as GitHub serves it: one top-level folder `<owner>-<repo>-<sha7>/`. */
export function makeTarball(files: Record<string, string>, sha: string): Buffer {
  const root = mkdtempSync(join(tmpdir(), 'lockcheck-tar-'));
  try {
    const top = `${OWNER}-${REPO}-${sha.slice(0, 7)}`;
    for (const [path, text] of Object.entries(files)) {
      const p = join(root, top, path);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, text);
    }
    return execFileSync('tar', ['-czf', '-', '-C', root, top], { maxBuffer: 1 << 30 });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export function sha(seed: string): string {
  return createHmac('sha1', 'sha').update(seed).digest('hex');
}

export function sign(body: string, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

type Example = Record<string, any>;

/** A pull_request webhook payload built from @octokit/webhooks-examples, pointed at our repo. */
export function pullRequestPayload(action: 'opened' | 'synchronize' | 'reopened' | 'ready_for_review', pr: { number: number; headSha: string; baseSha: string }): Example {
  const defs = webhookExamples as unknown as { name: string; examples: Example[] }[];
  const examples = defs.find((d) => d.name === 'pull_request')!.examples;
  const template = examples.find((e) => e.action === action) ?? examples.find((e) => e.action === 'synchronize')!;
  const payload = structuredClone(template);
  payload.action = action;
  payload.number = pr.number;
  payload.pull_request.number = pr.number;
  payload.pull_request.head.sha = pr.headSha;
  payload.pull_request.base.sha = pr.baseSha;
  payload.pull_request.state = 'open';
  payload.repository.name = REPO;
  payload.repository.full_name = `${OWNER}/${REPO}`;
  payload.repository.owner.login = OWNER;
  payload.installation = { id: INSTALLATION_ID, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==' };
  if (action === 'synchronize') payload.after = pr.headSha;
  return payload;
}

export interface Harness {
  github: GitHubStandIn;
  queue: JobQueue;
  trees: TreeCache;
  webhookUrl: string;
  send: (event: string, payload: unknown, opts?: { deliveryId?: string; signature?: string | null }) => Promise<{ status: number; text: string }>;
  stop: () => Promise<void>;
}

export async function startHarness(app: Omit<AppOptions, 'queue' | 'trees'> = {}): Promise<Harness> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const appId = 31337;
  const github = new GitHubStandIn({ publicKeyPem: publicKey, appId });
  const host = await github.start();
  const cacheDir = mkdtempSync(join(tmpdir(), 'lockcheck-cache-'));
  const queue = new JobQueue();
  const trees = new TreeCache(cacheDir);
  // probot's standard environment: GHE_HOST/GHE_PROTOCOL point it at the stand-in.
  const probot = createProbot({
    env: { APP_ID: String(appId), PRIVATE_KEY: privateKey, WEBHOOK_SECRET: SECRET, GHE_HOST: host, GHE_PROTOCOL: 'http', LOG_LEVEL: process.env.LOG_LEVEL ?? 'fatal' },
  });
  const middleware = await createNodeMiddleware(createApp({ ...app, queue, trees }), { probot });
  const server: Server = createServer((req, res) => {
    void middleware(req, res, () => {
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;

  const send: Harness['send'] = async (event, payload, opts = {}) => {
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': opts.deliveryId ?? randomUUID(),
      'user-agent': 'GitHub-Hookshot/test',
    };
    if (opts.signature !== null) headers['x-hub-signature-256'] = opts.signature ?? sign(body);
    const res = await fetch(webhookUrl, { method: 'POST', headers, body });
    return { status: res.status, text: await res.text() };
  };

  return {
    github,
    queue,
    trees,
    webhookUrl,
    send,
    stop: async () => {
      await queue.idle();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await github.stop();
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

/** Unified diff of one file, as GitHub's `patch` field holds it (whole-file hunks are enough here). */
export function patchFor(before: string | undefined, after: string, changedLines: number[]): string {
  // One hunk per changed line, with up to 3 lines of context, like `git diff -U3`.
  const lines = after.split('\n');
  if (before === undefined) return `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}`;
  const hunks: string[] = [];
  for (const n of changedLines) {
    const from = Math.max(1, n - 3);
    const to = Math.min(lines.length, n + 3);
    const body: string[] = [];
    for (let i = from; i <= to; i++) body.push(i === n ? `+${lines[i - 1]}` : ` ${lines[i - 1]}`);
    hunks.push(`@@ -${from},${to - from} +${from},${to - from + 1} @@\n${body.join('\n')}`);
  }
  return hunks.join('\n');
}
