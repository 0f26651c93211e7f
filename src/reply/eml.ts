// A reply to a patch mail, ready for `git send-email` / `git send-email --to ... FILE.eml`:
// threaded under the patch (In-Reply-To, References), the hunk quoted with `> `, each finding
// with its CPU0/CPU1 trace below it, a suggested Reported-by line, and plainly a bot's report.
import { createHash } from 'node:crypto';
import { formatFinding } from '../report/text.js';
import type { Finding } from '../report/finding.js';
import { VERSION } from '../report/version.js';

export const DEFAULT_BOT = 'lockcheck <lockcheck@localhost>';

export interface ReplyTarget {
  messageId: string;
  subject: string;
  /** Address of the patch author. */
  from: string;
  /** The author as written (`Name <addr>`), when known: the reply's To. */
  author?: string;
  /** The patch's other recipients (its To and Cc: the list, the maintainers): the reply's Cc. */
  cc?: string[];
  date?: string;
  references: string[];
}

export interface ReplyOptions {
  /** `Name <address>` the reply is from and the Reported-by line names. */
  bot?: string;
  /** Fixed date (tests); default now. */
  date?: Date;
  /** Mail findings made from the hunks alone (no tree); default false. They are mailed as warnings at most. */
  hunkOnly?: boolean;
  /** Archive URL prefix a Message-ID is appended to, for the Link:/Closes: tags (default lore's `https://lore.kernel.org/r/`). */
  linkBase?: string;
  /** How the reader reproduces the report (default: the lockcheck patch command). */
  reproduce?: string;
}

const WRAP = 76;
/** Marks a line wrapProse leaves alone (tags, links, commands): removed before sending. */
const NOWRAP = '\u0000';

/** `Mon, 23 Sep 2019 18:26:04 +0000` from an ISO or RFC 2822 date; the text itself when unparsable. */
function mailDate(d: string | undefined): string {
  if (!d) return '';
  const t = new Date(d);
  return Number.isNaN(t.getTime()) ? d : t.toUTCString().replace('GMT', '+0000');
}

/** Wraps prose at WRAP columns; quoted, indented, trace and code lines stay as they are. */
export function wrapProse(text: string): string {
  return text
    .split('\n')
    .flatMap((line) => {
      if (line.startsWith(NOWRAP)) return [line.slice(NOWRAP.length)];
      if (line.length <= WRAP || /^[\s>|+-]/.test(line) || !line.includes(' ')) return [line];
      const out: string[] = [];
      let cur = '';
      for (const word of line.split(' ')) {
        if (cur && cur.length + 1 + word.length > WRAP) {
          out.push(cur);
          cur = word;
        } else cur = cur ? `${cur} ${word}` : word;
      }
      if (cur) out.push(cur);
      return out;
    })
    .join('\n');
}

const addressOf = (a: string): string => (/<([^<>]+)>/.exec(a)?.[1] ?? a).trim().toLowerCase();

/** Cc: the patch's recipients less the author and the bot, once each. */
function ccList(target: ReplyTarget, bot: string): string[] {
  const skip = new Set([addressOf(target.author ?? target.from), addressOf(bot)]);
  const out: string[] = [];
  for (const a of target.cc ?? []) {
    const k = addressOf(a);
    if (!k || skip.has(k)) continue;
    skip.add(k);
    out.push(a);
  }
  return out;
}

function foldAddresses(name: string, list: string[]): string {
  return fold(name, list.map((a, i) => (i < list.length - 1 ? `${headerValue(a)},` : headerValue(a))));
}

const bracket = (id: string): string => (id.startsWith('<') ? id : `<${id}>`);

/** `Re: <subject>` without doubling an existing `Re:`; header-safe (one line). */
export function replySubject(subject: string): string {
  const s = subject.replace(/\s+/g, ' ').trim();
  return /^re:/i.test(s) ? s : `Re: ${s}`;
}

/** MIME encoded-word for a non-ASCII header value. */
function headerValue(v: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x20-\x7e]*$/.test(v) ? v : `=?UTF-8?B?${Buffer.from(v, 'utf8').toString('base64')}?=`;
}

/** Fold a References header at ids. */
function fold(name: string, ids: string[]): string {
  const lines: string[] = [];
  let cur = `${name}:`;
  for (const id of ids) {
    if (cur.length + id.length + 1 > 76 && cur !== `${name}:`) {
      lines.push(cur);
      cur = ' ';
    }
    cur += ` ${id}`;
  }
  lines.push(cur);
  return lines.join('\n');
}

export const quote = (text: string): string =>
  text
    .split('\n')
    .map((l) => (l ? `> ${l}` : '>'))
    .join('\n');

/**
 * A finding a reply reports: one a model extracted from the code checked and did not refute
 * (not one only a template illustrates, nor one without any model), and one made from the
 * hunks alone (no tree) only when the user asked for those.
 */
export const mailable = (f: Finding, opts: { hunkOnly?: boolean } = {}): boolean =>
  f.confirmation.status !== 'refuted' && f.confirmation.method === 'extracted' && (f.extra?.confidence !== 'low' || !!opts.hunkOnly);

/** A hunk-only finding is never mailed as an error. */
const mailSeverity = (f: Finding): Finding => (f.extra?.confidence === 'low' && f.severity === 'error' ? { ...f, severity: 'warning' } : f);

/**
 * The reply .eml text for the introduced findings of one patch. Findings the model refuted
 * are not reported: they get one line each saying why the model refuted them.
 */
export function buildReply(target: ReplyTarget, all: Finding[], opts: ReplyOptions = {}): string {
  const findings = all.filter((f) => mailable(f, opts)).map(mailSeverity);
  const refuted = all.filter((f) => f.confirmation.status === 'refuted');
  const bot = opts.bot ?? DEFAULT_BOT;
  const date = opts.date ?? new Date();
  const refs = [...target.references, target.messageId].filter((x, i, a) => x && a.indexOf(x) === i).map(bracket);
  const hash = createHash('sha1').update(target.messageId + findings.map((f) => f.id).join(',')).digest('hex').slice(0, 16);
  const botDomain = /@([^>\s]+)/.exec(bot)?.[1] ?? 'localhost';
  const cc = ccList(target, bot);
  const headers = [
    `From: ${headerValue(bot)}`,
    ...(target.author || target.from ? [`To: ${headerValue(target.author || target.from)}`] : []),
    ...(cc.length ? [foldAddresses('Cc', cc)] : []),
    `Subject: ${headerValue(replySubject(target.subject))}`,
    `Date: ${date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <lockcheck-${hash}@${botDomain}>`,
    `In-Reply-To: ${bracket(target.messageId)}`,
    fold('References', refs),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: 8bit',
    'Auto-Submitted: auto-generated',
    'X-Mailer: lockcheck',
  ];
  const body: string[] = [
    'Hi,',
    '',
    'This is an automated report from lockcheck, a static lock analyzer',
    '(a bot, not a human reviewer). It found a possible problem this patch',
    'introduces; it can be wrong, please check the trace below.',
    '',
  ];
  const byHunk = new Map<string, Finding[]>();
  for (const f of findings) {
    const h = typeof f.extra?.hunk === 'string' ? f.extra.hunk : '';
    byHunk.set(h, [...(byHunk.get(h) ?? []), f]);
  }
  body.push(`On ${mailDate(target.date) || 'an earlier date'}, ${target.author || target.from || 'the author'} wrote:`);
  for (const [hunk, fs] of byHunk) {
    if (hunk) body.push(quote(hunk), '');
    for (const f of fs) {
      body.push(formatFinding(f), '');
      if (f.extra?.confidence === 'low') body.push('(Low confidence: this came from the patch hunks alone, without the rest of the tree.)', '');
    }
  }
  if (refuted.length) {
    body.push(`Not reported: ${refuted.length === 1 ? 'one more finding was' : `${refuted.length} more findings were`} refuted by the model:`);
    for (const f of refuted) body.push(`  ${f.file}:${f.line} [${f.rule}]: refuted by the model because ${f.confirmation.reason ?? 'no interleaving shows it'}`);
    body.push('');
  }
  const linkBase = opts.linkBase ?? 'https://lore.kernel.org/r/';
  const link = (id: string): string => `${linkBase}${id.replace(/^<|>$/g, '')}/`;
  const low = findings.some((f) => f.extra?.confidence === 'low');
  body.push(
    'If you fix the issue in a separate patch/commit (i.e. not just a new',
    'version of the same patch/commit), kindly add the following tags:',
    NOWRAP + `Reported-by: ${bot}`,
    NOWRAP + `Closes: ${link(`lockcheck-${hash}@${botDomain}`)}`,
    '',
    NOWRAP + `Patch: ${link(target.messageId)}`,
    `Tool: lockcheck ${VERSION}, ${low ? 'from the patch hunks alone (no tree)' : 'against the tree the patch applies to'}`,
    NOWRAP + `Reproduce: ${opts.reproduce ?? `b4 am ${target.messageId.replace(/^<|>$/g, '')} && lockcheck patch ${low ? '' : '--tree YOUR_TREE '}./*.mbx`}`,
    '',
    '-- ',
    'lockcheck: automated static lock analysis.',
    'Replies to this address are not read.',
    '',
  );
  return headers.join('\n') + '\n\n' + wrapProse(body.join('\n'));
}

/** A file name for the reply: the patch's Message-ID, made safe. */
export function replyFileName(messageId: string): string {
  const safe = messageId.replace(/[^A-Za-z0-9._@-]+/g, '_').slice(0, 120);
  return `${safe}.eml`;
}
