/*
 * Content-Type from a file name's extension.
 */
#ifndef MIME_H
#define MIME_H

const char *mime_type(const char *);

#endif /* MIME_H */
