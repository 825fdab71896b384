/*
 * One direction of a byte stream: bytes from a source descriptor to a sink
 * descriptor, moved the cheapest way the pair allows, with back-pressure,
 * half-close of the sink and byte counts.  It knows nothing about stdio,
 * sessions or timeouts: relay.c (and next, a socket-to-socket forwarder)
 * decide when to stop; an xfer only says what it waits for and what
 * happened.
 *
 * Kinds of mover, chosen by xfer_init from the two descriptors:
 *   XFER_SPLICE	one side is a pipe: splice(2) straight across.
 *   XFER_VIAPIPE	neither is: splice(2) into a pipe and out of it.
 *   XFER_SENDFILE	a regular file to a socket: sendfile(2).
 *   XFER_COPY		read(2)/write(2) through a heap buffer: terminals,
 *			a discarding sink, the CRLF transform, a tap that
 *			wants the bytes, and any pair the kernel refuses to
 *			splice (EINVAL falls back to this on the fly).
 *
 * Driving one: xfer_events says what to poll each descriptor for (0: not
 * at all; a source that cannot be drained is not polled, which is the
 * back-pressure), xfer_step moves what readiness allows, a bounded number
 * of times, and returns an enum xfer_status.  Sockets must be
 * non-blocking; a blocking source (a terminal, a file) is read once per
 * step, after poll said so.  Two xfers make a bidirectional pair (a socket is the source of one and
 * the sink of the other): OR their events for the shared descriptor and
 * hand each step the same revents.  The owner of an epoll loop (loop.c)
 * calls xfer_events after each step and loop_mod()s when it changed.
 *
 * Pipes: XFER_VIAPIPE needs a pipe only while bytes sit in it.  With a
 * struct xfer_pipes pool in the conf the pipe is taken from the pool when
 * a splice from the source is about to happen and given back (to the
 * pool's idle list, or closed when that is full) by the step that
 * empties it, so a forwarder with thousands of idle connections holds
 * pipes only for the ones moving data.  Without a pool the xfer keeps a
 * private pipe from xfer_init to xfer_free (one session: fewer syscalls).
 * A pipe with bytes in it is never given back; xfer_free closes it.
 *
 * Seams:
 *  - TLS: conf fields src_tls/dst_tls (struct tls *) make xfer_init pick
 *    XFER_COPY.  xfer_src_read and xfer_dst_write in xfer.c are the only
 *    two places the copy path reads or writes: they call tls_read and
 *    tls_write, and turn TLS_WANT_POLLIN/POLLOUT into the events
 *    xfer_events reports for that descriptor (a TLS write may wait for
 *    POLLIN, a read for POLLOUT).  A step keeps reading without polling
 *    while tls_pending() is nonzero, as it does now for a non-blocking
 *    source.  xfer_shutdown sends close_notify before shutdown(SHUT_WR);
 *    when the socket cannot take it yet it leaves x->notify set and
 *    steps send it (polling POLLOUT), so the caller still calls it once
 *    and steps the xfer while x->notify is set.  The owner polls with a zero timeout while xfer_ready() says
 *    TLS holds bytes poll(2) cannot see.  TLS_ERROR is XFER_SRC_ERR or
 *    XFER_DST_ERR with errno EPROTO and the tls.c message in x->tls_err;
 *    TLS_TRUNCATED is an end of stream with x->truncated set, so that
 *    what came before it is delivered before the owner reports it.
 *  - Tracing: conf.tap is called for every chunk moved with the side
 *    (XFER_TAP_READ from the source, XFER_TAP_WRITE to the sink), the
 *    bytes, and the data when conf.tap_data is set.  A tap that wants the
 *    data makes xfer_init pick XFER_COPY (spliced bytes never reach user
 *    space); one that wants counts only (-vv) keeps the zero-copy kinds.
 *    The direction is the xfer itself: pass it in tap_arg.
 */
#ifndef XFER_H
#define XFER_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"

enum xfer_kind {
	XFER_SPLICE,
	XFER_VIAPIPE,
	XFER_SENDFILE,
	XFER_COPY
};

/*
 * What xfer_step ended with:
 *   XFER_AGAIN		nothing more can move now: poll what xfer_events
 *			says, then step again.  (The source may be at EOF
 *			with bytes still on their way: see x->eof.)
 *   XFER_DONE		the source ended and everything read from it was
 *			delivered; the sink may now be half-closed.
 *   XFER_SRC_ERR	reading the source failed; x->err is the errno.
 *   XFER_DST_ERR	writing the sink failed; x->err is the errno
 *			(EPIPE: the reader is gone).  splice(2) and
 *			sendfile(2) report either end's failure with one
 *			errno: EPIPE is taken as the sink's, anything else
 *			as the socket's side (the source if it is a socket).
 *   XFER_NOMEM		falling back to copying needed a buffer there was
 *			no memory for.
 * After an error the xfer is stuck: stop it, or xfer_abandon it.
 */
enum xfer_status {
	XFER_AGAIN,
	XFER_DONE,
	XFER_SRC_ERR,
	XFER_DST_ERR,
	XFER_NOMEM
};

enum xfer_tap_side {
	XFER_TAP_READ,		/* taken from the source */
	XFER_TAP_WRITE		/* delivered to the sink */
};

/* DATA is NULL unless the conf asked for tap_data. */
typedef void	xfer_tap_fn(void *, enum xfer_tap_side, const void *, size_t);

/* Idle pipes shared by many xfers; see "Pipes" above. */
struct xfer_pipe {
	int	 fd[2];
	size_t	 cap;		/* bytes it holds (F_GETPIPE_SZ) */
};

struct xfer_pipes {
	struct xfer_pipe *idle;
	size_t		 n;
	size_t		 max;	/* idle pipes kept; more are closed */
};

#define XFER_SRC_SOCK	0x01	/* the source is the network socket */
#define XFER_CRLF	0x02	/* send LF as CRLF (copy path) */
/*
 * Both descriptors are connected stream sockets (a forwarder's pair):
 * xfer_init asks the kernel nothing about them, and a read that
 * returns less than it asked for is taken as having drained the socket
 * (level-triggered polling says when more comes), which saves a read
 * that would fail with EAGAIN on every short exchange.
 */
#define XFER_SOCKETS	0x04

struct tls;

struct xfer_conf {
	int		 src;
	int		 dst;		/* -1: read and discard */
	unsigned	 flags;		/* XFER_SRC_SOCK, XFER_CRLF */
	struct xfer_pipes *pipes;	/* NULL: a private pipe */
	xfer_tap_fn	*tap;		/* NULL: none */
	void		*tap_arg;
	int		 tap_data;	/* the tap wants the bytes */
	struct tls	*src_tls;	/* read the source through TLS */
	struct tls	*dst_tls;	/* write the sink through TLS */
};

/*
 * Embeddable, so that a forwarder needs no allocation per direction.  The
 * caller reads the fields marked so and leaves the rest alone.
 */
struct xfer {
	struct xfer_conf c;
	enum xfer_kind	 kind;		/* read: for -v and tests */
	int		 eof;		/* read: the source has ended */
	int		 done;		/* read: eof and all delivered */
	int		 err;		/* read: errno behind an *_ERR */
	uint64_t	 nread;		/* read: bytes taken from the source */
	uint64_t	 nwritten;	/* read: bytes given to the sink */

	struct xfer_pipe pipe;		/* XFER_VIAPIPE; fd -1: none held */
	char		*buf;		/* XFER_COPY */
	size_t		 bufsz;
	size_t		 off;
	size_t		 pending;	/* bytes in the pipe or buf */
	int		 src_nonblock;	/* read again without polling */
	int		 last_cr;	/* CRLF: the last byte read was CR */
	int		 wait_dst;	/* the sink (or the pipe) is full */
	int		 drained;	/* XFER_SOCKETS: the last read was short */
	short		 src_want;	/* TLS: poll events the source needs */
	short		 dst_want;	/* TLS: poll events the sink needs */
	int		 notify;	/* TLS: close_notify still to send */
	int		 truncated;	/* read: TLS source ended without one */
	struct sk_err	 tls_err;	/* read: the TLS message of an *_ERR */
};

void	xfer_pipes_init(struct xfer_pipes *, size_t);
void	xfer_pipes_free(struct xfer_pipes *);

/* 0, or -1 (out of memory) with the message set. */
int	xfer_init(struct xfer *, const struct xfer_conf *, struct sk_err *);
/* A direction that is off (stdin under --recv-only): done from the start. */
void	xfer_init_off(struct xfer *);
/* poll(2) events for the source and for the sink; 0: do not poll it. */
void	xfer_events(const struct xfer *, short *, short *);
/* Takes the revents of the source and of the sink. */
enum xfer_status xfer_step(struct xfer *, short, short);
/*
 * Half-closes the sink once the caller's policy says so; 0 or -1/errno.
 * A TLS sink sends close_notify first; when the socket cannot take it
 * yet, x->notify stays set and steps send it (keep stepping the xfer
 * while it is set, even though it is done).
 */
int	xfer_shutdown(struct xfer *);
/*
 * Nonzero when a step can move bytes without waiting: a TLS source holds
 * decrypted bytes poll(2) cannot see.  Poll with a zero timeout then.
 */
int	xfer_ready(const struct xfer *);
/* The sink is gone: drop what is pending and count the xfer as done. */
void	xfer_abandon(struct xfer *);
/* Gives back the pipe (or closes it) and the buffer; no descriptor closed. */
void	xfer_free(struct xfer *);

#endif /* XFER_H */
