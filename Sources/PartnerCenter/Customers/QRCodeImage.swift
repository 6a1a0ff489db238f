import CQREncode
import Foundation

/// A QR code as a PNG image: the symbol is libqrencode's (8-bit data, error correction level
/// M, the smallest version that holds the text), drawn `scale` pixels per module inside a
/// quiet zone of four modules, as an 8-bit grayscale PNG whose image data zlib compresses.
enum QRCodeImage {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The symbol's modules, row by row: true is dark.
    static func modules(_ text: String) throws -> [[Bool]] {
        guard let code = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M) else {
            throw Failure(description: "libqrencode could not encode \(text.utf8.count) bytes")
        }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        let data = UnsafeBufferPointer(start: code.pointee.data, count: width * width)
        // Bit 0 of each byte is the module's colour (1 dark); the other bits describe its role.
        return (0..<width).map { y in (0..<width).map { x in data[y * width + x] & 1 == 1 } }
    }

    static func png(_ text: String, scale: Int = 6, quietZone: Int = 4) throws -> [UInt8] {
        let symbol = try modules(text)
        let side = (symbol.count + 2 * quietZone) * scale
        // Each row: filter type 0, then one byte per pixel (0 black, 255 white).
        var raw = [UInt8]()
        raw.reserveCapacity(side * (side + 1))
        for py in 0..<side {
            raw.append(0)
            let my = py / scale - quietZone
            for px in 0..<side {
                let mx = px / scale - quietZone
                let dark = my >= 0 && my < symbol.count && mx >= 0 && mx < symbol.count && symbol[my][mx]
                raw.append(dark ? 0 : 255)
            }
        }
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header = [UInt8]()
        header += bigEndian(UInt32(side)) + bigEndian(UInt32(side))
        header += [8, 0, 0, 0, 0]  // 8-bit depth, grayscale, deflate, no filter set, no interlace
        png += chunk("IHDR", header)
        png += chunk("IDAT", try deflate(raw))
        png += chunk("IEND", [])
        return png
    }

    static func deflate(_ bytes: [UInt8]) throws -> [UInt8] {
        var length = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(length))
        let status = out.withUnsafeMutableBufferPointer { o in
            bytes.withUnsafeBufferPointer { i in compress2(o.baseAddress, &length, i.baseAddress, uLong(bytes.count), Z_BEST_COMPRESSION) }
        }
        guard status == Z_OK else { throw Failure(description: "zlib compress2 failed (\(status))") }
        return Array(out.prefix(Int(length)))
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + data
        let crc = typed.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        return bigEndian(UInt32(data.count)) + typed + bigEndian(UInt32(crc))
    }

    static func bigEndian(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
}
