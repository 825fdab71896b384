/*
 * The room's flow control: which reading client is far enough behind to
 * hold everybody's input back, and when a client that stopped reading
 * stops holding it (it took nothing, not even from the kernel's send
 * queue, for STALL_MS).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/queue.h>

#include <linux/sockios.h>

#include "chat-room.h"
#include "loop.h"

/*
 * Whether c holds the room's input back: it still gets new lines, it is
 * more than limit bytes behind, and it is reading (it took some output in
 * the last STALL_MS).
 */
int
room_holds(const struct client *c, size_t limit, long long now)
{
	return (!c->dead && !c->eof && room_pending(c) > limit &&
	    now - c->progress < STALL_MS);
}

/*
 * A write succeeds only once the kernel has room for a third of the send
 * buffer, so a client reading slowly but steadily could look stalled for
 * seconds between writes.  What it takes shows sooner as a shrinking
 * kernel send queue: that counts as progress too.
 */
void
room_probe_progress(struct client *c, long long now)
{
	int	q;

	if (ioctl(c->lfd.fd, SIOCOUTQ, &q) == -1)
		return;
	if (q < c->outq)
		c->progress = now;
	c->outq = q;
}

/*
 * Ends the congestion once no reading client is more than QUEUE_LOW
 * behind; until then, the stall timer wakes the room when the first of
 * them will have taken nothing for STALL_MS, so a client that stopped
 * reading holds the room back for STALL_MS at most.
 */
void
room_congestion_update(struct room *r)
{
	struct client	*c;
	long long	 now, first = -1;

	now = loop_now();
	TAILQ_FOREACH(c, &r->clients, entry) {
		if (!c->dead && room_pending(c) > QUEUE_LOW)
			room_probe_progress(c, now);
		if (room_holds(c, QUEUE_LOW, now) &&
		    (first == -1 || c->progress < first))
			first = c->progress;
	}
	if (first == -1) {
		r->congested = 0;
		loop_timer_cancel(r->loop, &r->stall_timer);
	} else
		loop_timer_set(r->loop, &r->stall_timer,
		    first + STALL_MS - now);
}
