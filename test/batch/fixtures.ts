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
