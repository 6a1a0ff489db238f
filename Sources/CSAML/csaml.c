#include "csaml.h"
#include <pthread.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <libxml/parser.h>
#include <libxml/valid.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/transforms.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/rsa.h>
#include <openssl/bn.h>
#include <zlib.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_status = -1;

static void set_err(char *err, int errlen, const char *msg) {
    if (err && errlen > 0) { snprintf(err, (size_t)errlen, "%s", msg); }
}

// xmlsec prints its errors to stderr by default; the caller reports a clear reason instead.
static void quiet_errors(const char *file, int line, const char *func, const char *errorObject,
                         const char *errorSubject, int reason, const char *msg) {
    (void)file; (void)line; (void)func; (void)errorObject; (void)errorSubject; (void)reason; (void)msg;
}

static void quiet_xml(void *ctx, const char *msg, ...) { (void)ctx; (void)msg; }

static xmlParserInputPtr no_external(const char *url, const char *id, xmlParserCtxtPtr ctxt) {
    (void)url; (void)id; (void)ctxt;
    return NULL;  // never fetch a DTD or entity from anywhere
}

static void do_init(void) {
    xmlInitParser();
    xmlSetExternalEntityLoader(no_external);
    xmlSetGenericErrorFunc(NULL, quiet_xml);
    if (xmlSecInit() < 0) return;
    if (xmlSecCheckVersion() != 1) return;
    if (xmlSecCryptoAppInit(NULL) < 0) return;
    if (xmlSecCryptoInit() < 0) return;
    xmlSecErrorsSetCallback(quiet_errors);
    init_status = 0;
}

int csaml_init(void) {
    pthread_once(&once, do_init);
    return init_status;
}

static int contains(const char *buf, int len, const char *needle) {
    size_t n = strlen(needle);
    if ((size_t)len < n) return 0;
    for (int i = 0; i + (int)n <= len; i++) {
        if (memcmp(buf + i, needle, n) == 0) return 1;
    }
    return 0;
}

csaml_doc csaml_parse(const char *buf, int len, char *err, int errlen) {
    if (csaml_init() != 0) { set_err(err, errlen, "XML security library failed to initialise"); return NULL; }
    // A SAML message never needs a DTD; refusing one outright closes XXE and entity expansion.
    if (contains(buf, len, "<!DOCTYPE") || contains(buf, len, "<!ENTITY")) {
        set_err(err, errlen, "XML with a DOCTYPE or entity declaration is refused");
        return NULL;
    }
    xmlDocPtr doc = xmlReadMemory(buf, len, "message.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (doc == NULL) { set_err(err, errlen, "the document is not well-formed XML"); return NULL; }
    if (doc->intSubset != NULL || doc->extSubset != NULL) {
        xmlFreeDoc(doc);
        set_err(err, errlen, "XML with a DOCTYPE is refused");
        return NULL;
    }
    if (xmlDocGetRootElement(doc) == NULL) {
        xmlFreeDoc(doc);
        set_err(err, errlen, "the document has no root element");
        return NULL;
    }
    return doc;
}

void csaml_doc_free(csaml_doc doc) { if (doc) xmlFreeDoc((xmlDocPtr)doc); }

csaml_node csaml_root(csaml_doc doc) { return xmlDocGetRootElement((xmlDocPtr)doc); }

static xmlNodePtr element_from(xmlNodePtr n) {
    while (n != NULL && n->type != XML_ELEMENT_NODE) n = n->next;
    return n;
}
csaml_node csaml_first_element(csaml_node node) { return element_from(((xmlNodePtr)node)->children); }
csaml_node csaml_next_element(csaml_node node) { return element_from(((xmlNodePtr)node)->next); }
csaml_node csaml_parent_element(csaml_node node) {
    xmlNodePtr p = ((xmlNodePtr)node)->parent;
    return (p != NULL && p->type == XML_ELEMENT_NODE) ? p : NULL;
}
const char *csaml_name(csaml_node node) { return (const char *)((xmlNodePtr)node)->name; }
const char *csaml_ns(csaml_node node) {
    xmlNsPtr ns = ((xmlNodePtr)node)->ns;
    return (ns != NULL && ns->href != NULL) ? (const char *)ns->href : "";
}
static char *dup_and_free(xmlChar *v) {
    if (v == NULL) return NULL;
    char *out = strdup((const char *)v);
    xmlFree(v);
    return out;
}
char *csaml_attr(csaml_node node, const char *name) { return dup_and_free(xmlGetNoNsProp((xmlNodePtr)node, BAD_CAST name)); }
char *csaml_text(csaml_node node) { return dup_and_free(xmlNodeGetContent((xmlNodePtr)node)); }

char *csaml_serialize(csaml_doc doc, int *len) {
    xmlChar *out = NULL;
    xmlDocDumpMemoryEnc((xmlDocPtr)doc, &out, len, "UTF-8");
    if (out == NULL) return NULL;
    char *copy = malloc((size_t)*len + 1);
    if (copy != NULL) { memcpy(copy, out, (size_t)*len); copy[*len] = 0; }
    xmlFree(out);
    return copy;
}

void csaml_free(void *p) { if (p) free(p); }

static int register_ids(xmlDocPtr doc, xmlNodePtr node, char *err, int errlen) {
    for (xmlNodePtr cur = node; cur != NULL; cur = cur->next) {
        if (cur->type != XML_ELEMENT_NODE) continue;
        xmlAttrPtr attr = xmlHasProp(cur, BAD_CAST "ID");
        if (attr != NULL && attr->ns == NULL) {
            xmlChar *value = xmlNodeListGetString(doc, attr->children, 1);
            if (value == NULL || value[0] == 0) {
                xmlFree(value);
                set_err(err, errlen, "an element has an empty ID");
                return -1;
            }
            xmlAttrPtr existing = xmlGetID(doc, value);
            if (existing != NULL && existing != attr) {
                xmlFree(value);
                set_err(err, errlen, "two elements carry the same ID");
                return -1;
            }
            if (existing == NULL && xmlAddID(NULL, doc, value, attr) == NULL) {
                xmlFree(value);
                set_err(err, errlen, "an ID could not be registered");
                return -1;
            }
            xmlFree(value);
        }
        if (register_ids(doc, cur->children, err, errlen) != 0) return -1;
    }
    return 0;
}

int csaml_register_ids(csaml_doc doc, char *err, int errlen) {
    return register_ids((xmlDocPtr)doc, xmlDocGetRootElement((xmlDocPtr)doc), err, errlen);
}

static int restrict_transforms(xmlSecDSigCtxPtr ctx) {
    // Only what SAML uses: exc-c14n, enveloped signature, SHA-256, RSA-SHA256.
    if (xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformExclC14NId) < 0) return -1;
    if (xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformEnvelopedId) < 0) return -1;
    if (xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformSha256Id) < 0) return -1;
    if (xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformExclC14NId) < 0) return -1;
    if (xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformRsaSha256Id) < 0) return -1;
    ctx->enabledReferenceUris = xmlSecTransformUriTypeSameDocument;
    return 0;
}

int csaml_sign(csaml_node signature, const char *key_pem, int key_len, const char *cert_pem, int cert_len, char *err, int errlen) {
    if (csaml_init() != 0) { set_err(err, errlen, "XML security library failed to initialise"); return -1; }
    xmlSecKeyPtr key = xmlSecCryptoAppKeyLoadMemory((const xmlSecByte *)key_pem, (xmlSecSize)key_len, xmlSecKeyDataFormatPem, NULL, NULL, NULL);
    if (key == NULL) { set_err(err, errlen, "the signing key could not be loaded"); return -1; }
    if (cert_pem != NULL && xmlSecCryptoAppKeyCertLoadMemory(key, (const xmlSecByte *)cert_pem, (xmlSecSize)cert_len, xmlSecKeyDataFormatPem) < 0) {
        xmlSecKeyDestroy(key);
        set_err(err, errlen, "the signing certificate could not be loaded");
        return -1;
    }
    xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
    if (ctx == NULL) { xmlSecKeyDestroy(key); set_err(err, errlen, "no signature context"); return -1; }
    ctx->signKey = key;  // owned by ctx from here
    int rc = xmlSecDSigCtxSign(ctx, (xmlNodePtr)signature);
    xmlSecDSigCtxDestroy(ctx);
    if (rc < 0) { set_err(err, errlen, "signing failed"); return -1; }
    return 0;
}

int csaml_verify(csaml_node signature, const char *cert_pem, int cert_len, char *uri, int urilen, char *err, int errlen) {
    if (csaml_init() != 0) { set_err(err, errlen, "XML security library failed to initialise"); return -1; }
    xmlSecKeyPtr key = xmlSecCryptoAppKeyLoadMemory((const xmlSecByte *)cert_pem, (xmlSecSize)cert_len, xmlSecKeyDataFormatCertPem, NULL, NULL, NULL);
    if (key == NULL) { set_err(err, errlen, "the registered certificate could not be loaded"); return -1; }
    xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
    if (ctx == NULL) { xmlSecKeyDestroy(key); set_err(err, errlen, "no signature context"); return -1; }
    ctx->signKey = key;  // the registered key only: KeyInfo in the message is never trusted
    int result = -1;
    if (restrict_transforms(ctx) < 0) {
        set_err(err, errlen, "signature context setup failed");
    } else if (xmlSecDSigCtxVerify(ctx, (xmlNodePtr)signature) < 0) {
        set_err(err, errlen, "the signature could not be processed (unsupported algorithm, bad reference or malformed Signature)");
    } else if (ctx->status != xmlSecDSigStatusSucceeded) {
        set_err(err, errlen, "the signature does not verify with the registered certificate");
    } else if (xmlSecPtrListGetSize(&(ctx->signedInfoReferences)) != 1) {
        set_err(err, errlen, "the signature must have exactly one Reference");
    } else {
        xmlSecDSigReferenceCtxPtr ref = (xmlSecDSigReferenceCtxPtr)xmlSecPtrListGetItem(&(ctx->signedInfoReferences), 0);
        if (ref == NULL || ref->status != xmlSecDSigStatusSucceeded || ref->uri == NULL) {
            set_err(err, errlen, "the signed reference did not verify");
        } else if ((int)strlen((const char *)ref->uri) >= urilen) {
            set_err(err, errlen, "the reference URI is too long");
        } else {
            snprintf(uri, (size_t)urilen, "%s", (const char *)ref->uri);
            result = 0;
        }
    }
    xmlSecDSigCtxDestroy(ctx);
    return result;
}

static char *bio_string(BIO *bio) {
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    char *out = malloc((size_t)n + 1);
    if (out == NULL) return NULL;
    memcpy(out, data, (size_t)n);
    out[n] = 0;
    return out;
}

int csaml_generate(int bits, const char *common_name, int days, char **key_pem, char **cert_pem) {
    int rc = -1;
    EVP_PKEY *pkey = EVP_RSA_gen((unsigned int)bits);
    X509 *cert = X509_new();
    BIO *kb = BIO_new(BIO_s_mem()), *cb = BIO_new(BIO_s_mem());
    if (!pkey || !cert || !kb || !cb) goto done;
    X509_set_version(cert, 2);
    BIGNUM *serial = BN_new();
    BN_rand(serial, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
    BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert));
    BN_free(serial);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), (long)days * 86400L);
    X509_set_pubkey(cert, pkey);
    X509_NAME *name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)common_name, -1, -1, 0);
    X509_set_issuer_name(cert, name);
    if (X509_sign(cert, pkey, EVP_sha256()) <= 0) goto done;
    if (!PEM_write_bio_PrivateKey(kb, pkey, NULL, NULL, 0, NULL, NULL)) goto done;
    if (!PEM_write_bio_X509(cb, cert)) goto done;
    *key_pem = bio_string(kb);
    *cert_pem = bio_string(cb);
    rc = (*key_pem && *cert_pem) ? 0 : -1;
done:
    if (pkey) EVP_PKEY_free(pkey);
    if (cert) X509_free(cert);
    if (kb) BIO_free(kb);
    if (cb) BIO_free(cb);
    return rc;
}

static X509 *load_cert(const char *pem, int len) {
    BIO *b = BIO_new_mem_buf(pem, len);
    if (!b) return NULL;
    X509 *c = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    return c;
}

int csaml_check_cert(const char *cert_pem, int cert_len, char *err, int errlen) {
    X509 *c = load_cert(cert_pem, cert_len);
    if (!c) { set_err(err, errlen, "the signing certificate is not a valid X.509 certificate"); return -1; }
    EVP_PKEY *k = X509_get0_pubkey(c);
    int ok = k && EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA;
    X509_free(c);
    if (!ok) { set_err(err, errlen, "the signing certificate must carry an RSA key"); return -1; }
    return 0;
}

int csaml_rsa_sign(const char *key_pem, int key_len, const unsigned char *data, size_t len, unsigned char *sig, size_t *siglen) {
    BIO *b = BIO_new_mem_buf(key_pem, key_len);
    if (!b) return -1;
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    if (!k) return -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t cap = 1024;
    int ok = ctx && EVP_PKEY_get_size(k) <= 1024 &&
             EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k) == 1 &&
             EVP_DigestSign(ctx, sig, &cap, data, len) == 1;
    if (ok) *siglen = cap;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(k);
    return ok ? 0 : -1;
}

int csaml_rsa_verify(const char *cert_pem, int cert_len, const unsigned char *data, size_t len, const unsigned char *sig, size_t siglen) {
    X509 *c = load_cert(cert_pem, cert_len);
    if (!c) return -1;
    EVP_PKEY *k = X509_get0_pubkey(c);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = k && ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k) == 1 &&
             EVP_DigestVerify(ctx, sig, siglen, data, len) == 1;
    EVP_MD_CTX_free(ctx);
    X509_free(c);
    return ok ? 0 : -1;
}

int csaml_deflate(const unsigned char *in, size_t len, unsigned char **out, size_t *outlen) {
    z_stream s;
    memset(&s, 0, sizeof s);
    if (deflateInit2(&s, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) return -1;
    size_t cap = deflateBound(&s, (uLong)len) + 16;
    unsigned char *buf = malloc(cap);
    if (!buf) { deflateEnd(&s); return -1; }
    s.next_in = (Bytef *)in; s.avail_in = (uInt)len;
    s.next_out = buf; s.avail_out = (uInt)cap;
    int rc = deflate(&s, Z_FINISH);
    deflateEnd(&s);
    if (rc != Z_STREAM_END) { free(buf); return -1; }
    *out = buf; *outlen = cap - s.avail_out;
    return 0;
}

int csaml_inflate(const unsigned char *in, size_t len, size_t max_out, unsigned char **out, size_t *outlen) {
    z_stream s;
    memset(&s, 0, sizeof s);
    if (inflateInit2(&s, -15) != Z_OK) return -1;
    unsigned char *buf = malloc(max_out + 1);
    if (!buf) { inflateEnd(&s); return -1; }
    s.next_in = (Bytef *)in; s.avail_in = (uInt)len;
    s.next_out = buf; s.avail_out = (uInt)max_out;
    int rc = inflate(&s, Z_FINISH);
    size_t produced = max_out - s.avail_out;
    inflateEnd(&s);
    if (rc != Z_STREAM_END) { free(buf); return -1; }  // truncated, corrupt or over the cap
    *out = buf; *outlen = produced;
    return 0;
}
