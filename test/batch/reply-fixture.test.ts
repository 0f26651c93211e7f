// No false reply mails from a list archive analyzed without a tree (--reply-hunk-only): an mbox
// of git-format-patch mails in the shapes that used to be mailed as errors. Hunks of different
// functions must not be joined (a lock replaced across several functions, hunks starting inside
// a comment or ending inside one), unlocks in mutually exclusive branches are not a double
// unlock, a callee whose body the hunks do not show may release the lock, and a finding the
// model refutes is not mailed. A true lock leak the hunks show whole is mailed, once: its
// respin without `vN` gets no second reply.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBatch } from '../../src/batch/run.js';
import { mail, mbox } from './fixtures.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'lockcheck-replyfx-'));

const patchMail = (id: string, subject: string, date: string, diff: string, from = 'Dev One <dev@example.org>'): string =>
  mail({
    id,
    subject,
    date,
    from,
    headers: ['To: dev-list@lists.example.org', 'Cc: Maintainer One <maint@example.org>'],
    body: `A change.\n\nSigned-off-by: ${from}\n---\n drivers/dev/core.c | 10 +++++-----\n\n${diff}-- \n2.40.0\n`,
  });

// The usage count's spinlock replaced by the mutex: every hunk is in another function; the first
// ends inside a comment and the next function's header, the second starts in that comment.
const JOINED = `diff --git a/drivers/dev/core.c b/drivers/dev/core.c
index 4e765ef9f4bd..c8d92e6c3922 100644
--- a/drivers/dev/core.c
+++ b/drivers/dev/core.c
@@ -5028,9 +5028,9 @@ static void dev_enable_nolock(void *unused)
 
 static int dev_online_cpu(unsigned int cpu)
 {
 	int ret = 0;
 
-	raw_spin_lock(&dev_count_lock);
+	mutex_lock(&dev_lock);
 	/*
 	 * Abort the online step if the hardware cannot be enabled,
 	 * running users would see failures otherwise.
@@ -5039,9 +5039,9 @@ static int dev_online_cpu(unsigned int cpu)
 	if (dev_usage_count) {
 		dev_enable_nolock(NULL);
 		if (atomic_read(&dev_enable_failed))
 			ret = -EIO;
 	}
-	raw_spin_unlock(&dev_count_lock);
+	mutex_unlock(&dev_lock);
 	return ret;
 }
 
@@ -5079,9 +5079,11 @@ static void dev_disable_all_nolock(void)
 
 static void dev_disable_all(void)
 {
-	raw_spin_lock(&dev_count_lock);
+	cpus_read_lock();
+	mutex_lock(&dev_lock);
 	dev_disable_all_nolock();
-	raw_spin_unlock(&dev_count_lock);
+	mutex_unlock(&dev_lock);
+	cpus_read_unlock();
 }
 
 static int dev_enable_all(void)
@@ -5097,7 +5099,7 @@ static int dev_enable_all(void)
 	 * Keep CPUs from coming and going while the count changes.
 	 */
 	cpus_read_lock();
-	raw_spin_lock(&dev_count_lock);
+	mutex_lock(&dev_lock);
 
 	dev_usage_count++;
 	if (dev_usage_count == 1) {
@@ -5110,7 +5112,7 @@ static int dev_enable_all(void)
 		}
 	}
 
-	raw_spin_unlock(&dev_count_lock);
+	mutex_unlock(&dev_lock);
 	cpus_read_unlock();
 
 	return r;
`;

// A pure rename of a lock field: the first hunk ends one function and starts the next one's
// header, cut inside its parameter list; the next two hunks are in that second function.
const RENAME = `diff --git a/drivers/dev/pages.c b/drivers/dev/pages.c
index 840d063c45b8..cc7b10f703e1 100644
--- a/drivers/dev/pages.c
+++ b/drivers/dev/pages.c
@@ -141,9 +141,9 @@ void dev_pages_link(struct dev *d,
 	if (req->level < pg->level)
 		return;
 
-	spin_lock(&d->arch.pages_lock);
+	spin_lock(&d->pages.lock);
 	track_page(d, pg);
-	spin_unlock(&d->arch.pages_lock);
+	spin_unlock(&d->pages.lock);
 }
 
 void dev_pages_unlink(struct dev *d, struct dev_page *pg,
@@ -153,7 +153,7 @@ void dev_pages_unlink(struct dev *d, struct dev_page *pg,
 		return;
 
 	if (shared)
-		spin_lock(&d->arch.pages_lock);
+		spin_lock(&d->pages.lock);
 	else
 		lockdep_assert_held(&d->big_lock);
 
@@ -161,7 +161,7 @@ void dev_pages_unlink(struct dev *d, struct dev_page *pg,
 	untrack_page(d, pg);
 
 	if (shared)
-		spin_unlock(&d->arch.pages_lock);
+		spin_unlock(&d->pages.lock);
 }
 
 int dev_pages_max_level(struct dev *d,
`;

// Each branch of an if/else releases the lock once; the hunk starts in a comment's tail.
const EXCLUSIVE = `diff --git a/drivers/dev/irq.c b/drivers/dev/irq.c
index 1a2b3c4d5e6f..6f5e4d3c2b1a 100644
--- a/drivers/dev/irq.c
+++ b/drivers/dev/irq.c
@@ -939,8 +939,16 @@ void dev_dispatch_event(struct dev_port *port, u64 reg, bool allow)
 		 * deliver events of either kind.
 		 */
 		if (!ev->group || allow) {
-			ev->pending = true;
-			dev_queue_event_unlock(port->dev, ev, flags);
+			if (!ev->hw) {
+				ev->pending = true;
+				dev_queue_event_unlock(port->dev, ev, flags);
+			} else {
+				int err;
+				err = dev_hw_set_pending(ev->host_irq, true);
+				WARN_RATELIMIT(err, "event %d", ev->host_irq);
+				raw_spin_unlock_irqrestore(&ev->lock, flags);
+			}
 		} else {
 			raw_spin_unlock_irqrestore(&ev->lock, flags);
 		}
`;

// A recursive take on a path the model shows impossible (the count was just set to 1).
const REFUTED = `diff --git a/drivers/dev/stats.c b/drivers/dev/stats.c
index 2b3c4d5e6f7a..7a6f5e4d3c2b 100644
--- a/drivers/dev/stats.c
+++ b/drivers/dev/stats.c
@@ -40,7 +40,10 @@ static void dev_stats_reset(struct dev *d)
 {
 	spin_lock(&d->stats_lock);
-	d->count++;
+	d->count = 1;
+	if (d->count == 0)
+		spin_lock(&d->stats_lock);
+	d->count = 0;
 	spin_unlock(&d->stats_lock);
 }
 
 static void dev_stats_show(struct dev *d)
`;

// A callee the hunks show only in part releases the lock and the caller takes it again.
const CALLEE = `diff --git a/drivers/dev/slots.c b/drivers/dev/slots.c
index 3c4d5e6f7a8b..8b7a6f5e4d3c 100644
--- a/drivers/dev/slots.c
+++ b/drivers/dev/slots.c
@@ -200,5 +200,6 @@ static void dev_swap_slots(struct dev *d, int id)
 	struct dev_slots *slots = dev_inactive_slots(d, id);
 
 	slots->generation++;
+	slots->id = id;
 	rcu_assign_pointer(d->slots[id], slots);
 	synchronize_srcu(&d->srcu);
@@ -300,5 +301,10 @@ static int dev_set_slot(struct dev *d, int id)
 {
 	mutex_lock(&d->slots_lock);
+	dev_swap_slots(d, id);
+
+	/* Released by dev_swap_slots, take it again. */
+	mutex_lock(&d->slots_lock);
+	d->gen++;
 	mutex_unlock(&d->slots_lock);
 	return 0;
 }
`;

// A true leak: a new function returns -ENOSPC holding the lock its other returns release.
const LEAK = `diff --git a/drivers/dev/queue.c b/drivers/dev/queue.c
index 4d5e6f7a8b9c..9c8b7a6f5e4d 100644
--- a/drivers/dev/queue.c
+++ b/drivers/dev/queue.c
@@ -87,6 +87,23 @@ static int dev_queue_reset(struct dev_queue *q)
 	return 0;
 }
 
+int dev_queue_push(struct dev_queue *q, int item)
+{
+	int ret = 0;
+
+	spin_lock(&q->lock);
+	if (q->closed) {
+		ret = -EPIPE;
+		goto unlock;
+	}
+	if (q->count >= q->size)
+		return -ENOSPC;
+	q->items[q->count++] = item;
+unlock:
+	spin_unlock(&q->lock);
+	return ret;
+}
+
 static void dev_queue_drain(struct dev_queue *q)
 {
 	struct dev_item *it;
`;

describe('reply mails from a list archive without a tree', () => {
  it('writes no mail for joined hunks, exclusive branches, an unseen releasing callee or a refuted finding; one for a true leak, not again for its respin', async () => {
    const dir = tmp();
    const archive = join(dir, 'list.mbox');
    writeFileSync(
      archive,
      mbox([
        patchMail('joined@example.org', '[PATCH 3/7] dev: protect dev_usage_count with dev_lock', 'Mon, 1 Jan 2024 10:00:00 +0000', JOINED),
        patchMail('rename@example.org', '[RFC PATCH 23/37] dev: move the page state to struct dev', 'Mon, 1 Jan 2024 10:30:00 +0000', RENAME),
        patchMail('exclusive@example.org', '[PATCH 10/15] dev: inject hardware events directly', 'Mon, 1 Jan 2024 11:00:00 +0000', EXCLUSIVE),
        patchMail('refuted@example.org', '[PATCH] dev: reset the statistics', 'Mon, 1 Jan 2024 12:00:00 +0000', REFUTED),
        patchMail('callee@example.org', '[PATCH 2/4] dev: keep the slots in two sets', 'Mon, 1 Jan 2024 13:00:00 +0000', CALLEE),
        patchMail('leak@example.org', '[PATCH 2/5] dev: add dev_queue_push', 'Mon, 1 Jan 2024 14:00:00 +0000', LEAK, 'Dev Two <two@example.org>'),
        // the same patch posted again a week later, in a shorter series, without a version tag
        patchMail('leak-respin@example.org', '[PATCH 1/3] dev: add dev_queue_push', 'Mon, 8 Jan 2024 14:00:00 +0000', LEAK, 'Dev Two <two@example.org>'),
      ]),
    );
    const replyDir = join(dir, 'replies');
    const out = join(dir, 'results.jsonl');
    const res = await runBatch({ archives: [archive], settings: {}, out, replyDir, replyHunkOnly: true, progress: false, jobs: 1 });
    const byId = new Map(res.records.map((r) => [r.messageId, r]));
    for (const id of ['joined', 'rename', 'exclusive', 'refuted', 'callee', 'leak']) expect(byId.get(`${id}@example.org`)?.status, id).toBe('analyzed');
    // the refuted finding is found, but its model refutes it
    expect(byId.get('refuted@example.org')!.findings.every((f) => f.confirmation.status === 'refuted')).toBe(true);
    expect(byId.get('joined@example.org')!.findings).toEqual([]);
    expect(byId.get('rename@example.org')!.findings).toEqual([]);
    expect(byId.get('exclusive@example.org')!.findings).toEqual([]);
    expect(byId.get('callee@example.org')!.findings.filter((f) => f.rule === 'recursive-lock')).toEqual([]);
    const leak = byId.get('leak@example.org')!.findings.filter((f) => f.rule === 'lock-leak');
    expect(leak).toHaveLength(1);
    expect(byId.get('leak-respin@example.org')!.findings.find((f) => f.rule === 'lock-leak')?.extra?.alreadyReportedIn).toBe('v1');

    expect(readdirSync(replyDir).sort()).toEqual(['leak@example.org.eml', 'sent.log']);
    const eml = readFileSync(join(replyDir, 'leak@example.org.eml'), 'utf8');
    expect(eml).toMatch(/^To: Dev Two <two@example.org>$/m);
    expect(eml).toMatch(/^Cc: dev-list@lists.example.org, Maintainer One <maint@example.org>$/m);
    expect(eml).toContain('returns -ENOSPC still holding');
    expect(eml).toMatch(/^warning: |: warning: /m); // hunk-only: never an error
    expect(eml).not.toMatch(/: error: /);
    // the quote shows the lock and the leaking return
    expect(eml).toContain('> +\tspin_lock(&q->lock);');
    expect(eml).toContain('> +\t\treturn -ENOSPC;');
    for (const l of eml.slice(eml.indexOf('\n\n') + 2).split('\n')) if (!/^[\s>|+-]/.test(l) && /\s/.test(l) && !/^(Reported-by|Closes|Patch|Reproduce): /.test(l)) expect(l.length, l).toBeLessThanOrEqual(78);
  }, 120_000);
});
