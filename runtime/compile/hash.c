/* SHA-256 through OpenSSL's EVP interface: cache keys and object checksums. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "internal.h"

struct bpfy_hash {
	EVP_MD_CTX *ctx;
};

struct bpfy_hash *bpfy_hash__new(void)
{
	struct bpfy_hash *hash = calloc(1, sizeof(*hash));

	if (!hash)
		goto err_out;
	hash->ctx = EVP_MD_CTX_new();
	if (!hash->ctx || EVP_DigestInit_ex(hash->ctx, EVP_sha256(), NULL) != 1)
		goto err_out;
	return hash;
err_out:
	bpfy_hash__free(hash);
	errno = ENOMEM;
	return NULL;
}

void bpfy_hash__free(struct bpfy_hash *hash)
{
	if (!hash)
		return;
	EVP_MD_CTX_free(hash->ctx);
	free(hash);
}

void bpfy_hash__update(struct bpfy_hash *hash, const void *data, size_t len)
{
	if (len)
		EVP_DigestUpdate(hash->ctx, data, len);
}

void bpfy_hash__field(struct bpfy_hash *hash, const void *data, size_t len)
{
	uint64_t prefix = len;

	bpfy_hash__update(hash, &prefix, sizeof(prefix));
	bpfy_hash__update(hash, data, len);
}

void bpfy_hash__field_str(struct bpfy_hash *hash, const char *str)
{
	bpfy_hash__field(hash, str ? str : "", str ? strlen(str) : 0);
}

void bpfy_hash__final(struct bpfy_hash *hash, uint8_t digest[BPFY_SHA256_LEN])
{
	unsigned int len = BPFY_SHA256_LEN;

	EVP_DigestFinal_ex(hash->ctx, digest, &len);
}

void bpfy_hash__final_hex(struct bpfy_hash *hash, char hex[BPFY_SHA256_HEX_LEN + 1])
{
	uint8_t digest[BPFY_SHA256_LEN];
	int i;

	bpfy_hash__final(hash, digest);
	for (i = 0; i < BPFY_SHA256_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

int bpfy_sha256(const void *data, size_t len, uint8_t digest[BPFY_SHA256_LEN])
{
	struct bpfy_hash *hash = bpfy_hash__new();

	if (!hash)
		return -ENOMEM;
	bpfy_hash__update(hash, data, len);
	bpfy_hash__final(hash, digest);
	bpfy_hash__free(hash);
	return 0;
}
