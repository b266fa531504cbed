/*
 * frame.h: the length-prefixed framing, independent of any socket so that
 * it can be unit tested byte by byte.
 */
#ifndef CAIRN_FRAME_H
#define CAIRN_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "attr.h"

enum frame_status {
	FRAME_OK,		/* a whole frame is available */
	FRAME_NEED_MORE,	/* not yet: wait for more bytes */
	FRAME_ZERO,		/* length 0: framing error */
	FRAME_TOO_BIG		/* length above the limit: framing error */
};

/*
 * Look at the start of buf: on FRAME_OK *payload_len is the payload size and
 * the frame occupies FRAME_HEADER_SIZE + *payload_len bytes.  On
 * FRAME_TOO_BIG *payload_len holds the announced size (for the log).
 */
enum frame_status frame_peek(const unsigned char *buf, size_t avail,
		    size_t max_payload, size_t *payload_len) MUST_CHECK;

void	frame_put_header(unsigned char hdr[4], uint32_t len);

#endif
