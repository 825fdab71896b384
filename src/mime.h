/*
 * Content-Type from a file name's extension.
 */
#ifndef MIME_H
#define MIME_H

#include <stddef.h>

struct mime_entry {
	const char	*ext;
	const char	*type;
};

const char		*mime_type(const char *);
int			 mime_is_text(const char *);
const struct mime_entry	*mime_entries(size_t *);

#endif /* MIME_H */
