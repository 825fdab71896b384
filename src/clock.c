/*
 * The monotonic clock, so that changing the wall clock never fires or
 * stretches a timeout.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <time.h>

#include "clock.h"

long long
clock_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

void
clock_sleep_ms(long long ms)
{
	struct timespec	ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Milliseconds until deadline, for poll(2); -1 (forever) if deadline < 0. */
int
clock_poll_timeout(long long deadline)
{
	long long	left;

	if (deadline < 0)
		return (-1);
	left = deadline - clock_ms();
	return (left < 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left);
}
