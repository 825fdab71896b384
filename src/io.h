/*
 * Writing a whole buffer to a descriptor, whatever its mode.
 */
#ifndef IO_H
#define IO_H

#include <stddef.h>

int	io_write_all(int, const void *, size_t);

#endif /* IO_H */
