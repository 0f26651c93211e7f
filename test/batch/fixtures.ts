// Shared test inputs.

// A patch that makes b_then_a() take the two locks in the other order than a_then_b(), which
// the hunk's context shows: an ABBA inside the hunks themselves.
export const ABBA_PATCH = `diff --git a/drivers/foo.c b/drivers/foo.c
index 1111111..2222222 100644
--- a/drivers/foo.c
+++ b/drivers/foo.c
@@ -10,16 +10,16 @@ static DEFINE_SPINLOCK(lock_b);
 
 static void a_then_b(void)
 {
 	spin_lock(&lock_a);
 	spin_lock(&lock_b);
 	counter++;
 	spin_unlock(&lock_b);
 	spin_unlock(&lock_a);
 }
 
 static void b_then_a(void)
 {
-	spin_lock(&lock_a);
 	spin_lock(&lock_b);
+	spin_lock(&lock_a);
 	counter--;
 	spin_unlock(&lock_a);
 	spin_unlock(&lock_b);
`;

export interface MailSpec {
  id: string;
  subject: string;
  from?: string;
  date?: string;
  inReplyTo?: string;
  headers?: string[];
  body: string;
}

export function mail(m: MailSpec): string {
  return [
    `From: ${m.from ?? 'Dev One <dev@example.org>'}`,
    `Subject: ${m.subject}`,
    `Date: ${m.date ?? 'Mon, 1 Jan 2024 10:00:00 +0000'}`,
    `Message-ID: <${m.id}>`,
    ...(m.inReplyTo ? [`In-Reply-To: <${m.inReplyTo}>`, `References: <${m.inReplyTo}>`] : []),
    ...(m.headers ?? []),
    '',
    m.body,
  ].join('\n');
}

/** mboxrd: `From ` separator lines, body lines starting with (>*)From escaped. */
export function mbox(mails: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [];
  for (const m of mails) {
    parts.push(Buffer.from('From mboxrd@z Thu Jan  1 00:00:00 1970\n'));
    const b = Buffer.isBuffer(m) ? m : Buffer.from(m.replace(/^(>*From )/gm, '>$1'), 'utf8');
    parts.push(b, Buffer.from(b[b.length - 1] === 0x0a ? '\n' : '\n\n'));
  }
  return Buffer.concat(parts);
}

export const patchBody = (diff: string): string => `Reorder the locks.\n\nSigned-off-by: Dev One <dev@example.org>\n---\n${diff}-- \n2.40.0\n`;
