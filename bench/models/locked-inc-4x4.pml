/*
 * 4 CPUs x 4 locked increments of a shared counter: the Promela twin of the
 * lockcheck model built in bench/explorer-vs-spin.mjs. spin_lock is an atomic
 * test-and-set guard, the increment is a load into a local then a store.
 * The last CPU to finish asserts that no update was lost.
 */
bit lk = 0;
byte x = 0;
byte done = 0;

active [4] proctype cpu()
{
	byte i = 0;
	byte r;
	do
	:: i < 4 ->
		atomic { lk == 0 -> lk = 1 };	/* spin_lock(&lk) */
		r = x;				/* r = x */
		x = r + 1;			/* x = r + 1 */
		lk = 0;				/* spin_unlock(&lk) */
		i++
	:: else -> break
	od;
	atomic { done++; if :: done == 4 -> assert(x == 16) :: else -> skip fi }
}
