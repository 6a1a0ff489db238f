// libqrencode (QR code symbols) and zlib (the PNG's deflate stream and CRCs), from the
// system: `apt-get install libqrencode-dev` (zlib comes with libxmlsec1-dev).
#include <qrencode.h>
#include <zlib.h>
