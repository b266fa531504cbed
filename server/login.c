/* login.c: see login.h. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "log.h"
#include "login.h"
#include "xmalloc.h"

#define GENERATED_LEN	20

bool
valid_login(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 63 || !((*s >= 'a' && *s <= 'z') ||
	    (*s >= '0' && *s <= '9')))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '.' || *s == '_' || *s == '-'))
			return false;
	return true;
}

char *
password_generate(void)
{
	/* No look-alikes (0/O, 1/l/I): it is read off a screen. */
	static const char alphabet[] =
	    "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	unsigned char raw[GENERATED_LEN];
	char *pw = xmalloc(GENERATED_LEN + 1);

	if (RAND_bytes(raw, sizeof raw) != 1)
		fatalx("no randomness");
	for (int i = 0; i < GENERATED_LEN; i++)
		pw[i] = alphabet[raw[i] % (sizeof alphabet - 1)];
	pw[GENERATED_LEN] = '\0';
	OPENSSL_cleanse(raw, sizeof raw);
	return pw;
}
