#ifndef CSAML_H
#define CSAML_H
// The narrow C surface the SAML code needs from libxml2, libxmlsec1, OpenSSL and zlib.
// xmlsec's transform ids are macros Swift cannot import, so the signature work lives here;
// Swift walks the parsed tree through the accessors below; libxml2's own headers stay out of
// Swift (they drag in ICU headers that clash with Foundation's).
#include <stddef.h>

typedef void *csaml_doc;   // xmlDocPtr
typedef void *csaml_node;  // xmlNodePtr (elements only)

/// Initialises libxml2 and xmlsec once per process (thread safe). 0 on success.
int csaml_init(void);

/// Parses a document with no DTD, no entities, no network. NULL on refusal, reason in err.
csaml_doc csaml_parse(const char *buf, int len, char *err, int errlen);
void csaml_doc_free(csaml_doc doc);
csaml_node csaml_root(csaml_doc doc);
/// Element navigation: NULL at the end.
csaml_node csaml_first_element(csaml_node node);
csaml_node csaml_next_element(csaml_node node);
csaml_node csaml_parent_element(csaml_node node);
/// Name, namespace URI ("" when none). Valid while the document lives.
const char *csaml_name(csaml_node node);
const char *csaml_ns(csaml_node node);
/// Attribute without namespace, or text content: malloc'd, free with csaml_free; NULL when absent.
char *csaml_attr(csaml_node node, const char *name);
char *csaml_text(csaml_node node);
/// Serialises the document (UTF-8, no reformatting). Free with csaml_free.
char *csaml_serialize(csaml_doc doc, int *len);
void csaml_free(void *p);

/// Declares every element's `ID` attribute as an XML ID, refusing duplicates. 0 on success.
int csaml_register_ids(csaml_doc doc, char *err, int errlen);

/// Fills in the digest and signature of a `ds:Signature` template (exc-c14n, RSA-SHA256, SHA-256).
int csaml_sign(csaml_node signature, const char *key_pem, int key_len, const char *cert_pem, int cert_len, char *err, int errlen);

/// Verifies a `ds:Signature` with the public key of cert_pem only, allowing exactly one same-document
/// Reference and only the exc-c14n / enveloped / SHA-256 / RSA-SHA256 transforms.
/// On success returns 0 and copies the Reference URI into uri.
int csaml_verify(csaml_node signature, const char *cert_pem, int cert_len, char *uri, int urilen, char *err, int errlen);

/// A fresh RSA key and a self-signed certificate for it, both PEM. Free both with csaml_free.
int csaml_generate(int bits, const char *common_name, int days, char **key_pem, char **cert_pem);
/// Checks that cert_pem is one parseable X.509 certificate with an RSA key. 0 when fine.
int csaml_check_cert(const char *cert_pem, int cert_len, char *err, int errlen);
/// RSA-SHA256 (PKCS#1 v1.5) over data. sig must hold 1024 bytes.
int csaml_rsa_sign(const char *key_pem, int key_len, const unsigned char *data, size_t len, unsigned char *sig, size_t *siglen);
/// 0 when sig is a valid RSA-SHA256 signature of data by the key of cert_pem.
int csaml_rsa_verify(const char *cert_pem, int cert_len, const unsigned char *data, size_t len, const unsigned char *sig, size_t siglen);

/// Raw DEFLATE (RFC 1951), as the HTTP-Redirect binding uses. Free *out with csaml_free.
int csaml_deflate(const unsigned char *in, size_t len, unsigned char **out, size_t *outlen);
/// Raw INFLATE with an output cap (a compressed bomb is refused).
int csaml_inflate(const unsigned char *in, size_t len, size_t max_out, unsigned char **out, size_t *outlen);

#endif
