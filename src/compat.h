/*
 * What libbsd does not give us: small attribute macros used across the tree.
 */
#ifndef COMPAT_H
#define COMPAT_H

#ifndef __dead
#define __dead		__attribute__((__noreturn__))
#endif
#ifndef __unused
#define __unused	__attribute__((__unused__))
#endif
#ifndef nitems
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#endif /* COMPAT_H */
