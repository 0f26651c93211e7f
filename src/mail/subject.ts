// Subject-line parsing: `Re: [Xen-devel] [PATCH RESEND v2 3/5] x86/mm: fix foo`.

import type { SubjectInfo } from './types.js';

const REPLY_PREFIX = /^\s*(re|aw|sv|antw|fwd?|fw)\s*(\[\d+\])?\s*:\s*/i;
const BRACKET = /^\s*\[([^\]]*)\]\s*/;

/** Parse the tags of a patch subject. Never throws; unknown tags land in `tags`. */
export function parseSubject(raw: string): SubjectInfo {
  const info: SubjectInfo = {
    raw,
    isReply: false,
    isPatch: false,
    rfc: false,
    resend: false,
    version: 1,
    index: null,
    total: null,
    isCover: false,
    tags: [],
    title: '',
    normalized: '',
  };
  let rest = raw.replace(/\s+/g, ' ').trim();
  for (;;) {
    const re = REPLY_PREFIX.exec(rest);
    if (re) {
      info.isReply = true;
      rest = rest.slice(re[0].length);
      continue;
    }
    const br = BRACKET.exec(rest);
    if (br) {
      readBracket(br[1] ?? '', info);
      rest = rest.slice(br[0].length);
      continue;
    }
    break;
  }
  info.title = rest.trim();
  info.normalized = normalizeTitle(info.title);
  info.isCover = info.isPatch && info.index === 0;
  return info;
}

function readBracket(content: string, info: SubjectInfo): void {
  const words = content.trim().split(/[\s,]+/).filter((w) => w.length > 0);
  const hasPatchWord = words.some((w) => /^(patch|rfc)/i.test(w));
  if (!hasPatchWord) {
    // `[Xen-devel]`, `[kvm-unit-tests]`; a bare `[RESEND]` or `[v2]` still counts as a tag of a patch.
    for (const w of words) {
      if (/^v\d+$/i.test(w)) info.version = Number(w.slice(1));
      else if (/^resend$/i.test(w)) info.resend = true;
      else if (/^\d+\/\d+$/.test(w)) readIndex(w, info);
      else info.tags.push(w);
    }
    return;
  }
  for (const w of words) {
    let m: RegExpExecArray | null;
    if ((m = /^(patch|rfc)(?:[-_]?v(\d+))?$/i.exec(w))) {
      if (/^rfc/i.test(w)) info.rfc = true;
      else info.isPatch = true;
      if (m[2]) info.version = Number(m[2]);
    } else if ((m = /^v(\d+)$/i.exec(w))) {
      info.version = Number(m[1]);
    } else if (/^resend$/i.test(w)) {
      info.resend = true;
    } else if (/^\d+\/\d+$/.test(w)) {
      readIndex(w, info);
    } else {
      info.tags.push(w);
    }
  }
  // `[RFC]` alone is a discussion; `[RFC PATCH]` and `[RFC 1/3]` are patches.
  if (info.rfc && !info.isPatch && info.index !== null) info.isPatch = true;
}

function readIndex(w: string, info: SubjectInfo): void {
  const [a, b] = w.split('/');
  info.index = Number(a);
  info.total = Number(b);
}

/** Lowercase, collapse whitespace, drop a trailing period: the key that matches v1 with v2. */
export function normalizeTitle(title: string): string {
  return title.toLowerCase().replace(/\s+/g, ' ').replace(/[.\s]+$/, '').trim();
}
