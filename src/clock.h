/*
 * Monotonic milliseconds, sleeping, and poll(2) timeouts from deadlines:
 * every timeout in sockctl is a deadline on this clock.
 */
#ifndef CLOCK_H
#define CLOCK_H

long long clock_ms(void);
void	clock_sleep_ms(long long);
int	clock_poll_timeout(long long);

#endif /* CLOCK_H */
