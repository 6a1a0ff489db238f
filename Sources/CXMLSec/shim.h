// libxml2 from the system; the libxmlsec1 (OpenSSL engine) headers are used by CSAML's C only.
#include <libxml/parser.h>
#include <libxml/tree.h>
