/* frame.c: 4-byte big-endian length, then the payload. */
#include "frame.h"
#include "wire.h"

enum frame_status
frame_peek(const unsigned char *buf, size_t avail, size_t max_payload,
    size_t *payload_len)
{
	uint32_t n;

	if (avail < FRAME_HEADER_SIZE)
		return FRAME_NEED_MORE;
	n = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 |
	    (uint32_t)buf[2] << 8 | (uint32_t)buf[3];
	*payload_len = n;
	if (n == 0)
		return FRAME_ZERO;
	if (n > max_payload)
		return FRAME_TOO_BIG;
	if (avail - FRAME_HEADER_SIZE < n)
		return FRAME_NEED_MORE;
	return FRAME_OK;
}

void
frame_put_header(unsigned char hdr[4], uint32_t len)
{
	hdr[0] = len >> 24;
	hdr[1] = len >> 16;
	hdr[2] = len >> 8;
	hdr[3] = len;
}
