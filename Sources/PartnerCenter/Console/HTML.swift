import Foundation
import HTTPTypes
import Hummingbird

/// Server-rendered pages: plain HTML and one small stylesheet, usable without JavaScript.
enum HTML {
    static func esc(_ s: String) -> String { SAML.escape(s) }

    static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f4f6f9;color:#1f2d3d}
        header{background:#c7000b;color:#fff;padding:12px 24px;display:flex;justify-content:space-between;align-items:center}
        header a,header button{color:#fff;background:none;border:1px solid #fff;padding:4px 10px;border-radius:3px;cursor:pointer;font:inherit}
        main{max-width:960px;margin:24px auto;padding:0 16px}
        section{background:#fff;border:1px solid #dde3ea;border-radius:4px;padding:16px 20px;margin-bottom:16px}
        h1{font-size:20px;margin:0}h2{font-size:16px;margin:0 0 12px}
        table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #eef1f5;font-size:14px}
        th{color:#5a6b7d;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
        .error{border-left:4px solid #c7000b}.muted{color:#5a6b7d}
        form.box{display:grid;gap:8px;max-width:360px}input{padding:6px 8px;font:inherit}
        input[type=submit],button.primary{background:#c7000b;color:#fff;border:0;padding:8px 12px;border-radius:3px;cursor:pointer;font:inherit}
        """

    static func page(title: String, header: String = "Partner Center", headerRight: String = "", body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(esc(title))</title><style>\(style)</style></head>
        <body><header><h1>\(esc(header))</h1>\(headerRight)</header><main>\(body)</main></body></html>
        """
    }

    static func response(_ status: HTTPResponse.Status, _ html: String, cookies: [Cookie] = []) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        var response = Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
        for c in cookies { response.setCookie(c) }
        return response
    }

    /// A refusal page: what went wrong, in words a person can act on.
    static func error(_ status: HTTPResponse.Status, title: String, message: String, requestID: String) -> Response {
        response(status, page(title: title, body: """
            <section class="error"><h2>\(esc(title))</h2><p>\(esc(message))</p>
            <p class="muted">Request ID: \(esc(requestID))</p></section>
            """))
    }

    static func redirect(_ location: String, cookies: [Cookie] = []) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
        for c in cookies { response.setCookie(c) }
        return response
    }

    /// A form the browser POSTs on its own (script), or with one click when scripts are off.
    static func autoPost(action: String, fields: [(String, String)], title: String, note: String) -> Response {
        let inputs = fields.map { "<input type=\"hidden\" name=\"\(esc($0.0))\" value=\"\(esc($0.1))\">" }.joined()
        return response(.ok, page(title: title, body: """
            <section><h2>\(esc(title))</h2><p>\(esc(note))</p>
            <form id="post" method="post" action="\(esc(action))">\(inputs)<button class="primary" type="submit">Continue</button></form>
            <script>document.getElementById('post').submit();</script></section>
            """))
    }
}

/// `application/x-www-form-urlencoded` bodies and raw query strings.
enum FormData {
    static func decode(_ s: Substring) -> String {
        String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
    }

    static func parse(_ text: String) -> [String: String] { pairs(text, decode) }

    /// Query parameters as sent (still percent-encoded), for signature checks over the raw bytes.
    static func raw(_ query: String) -> [String: String] { pairs(query) { String($0) } }

    /// `name=value&...` with each side passed through `transform`; the first of a name wins.
    private static func pairs(_ text: String, _ transform: (Substring) -> String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = transform(parts[0])
            if out[key] == nil { out[key] = parts.count > 1 ? transform(parts[1]) : "" }
        }
        return out
    }

    /// A posted form; a field holding a NUL (`%00`) is refused, as everywhere on the wire.
    static func body(_ request: Request, limit: Int = 2 * 1024 * 1024) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: limit)
        let form = parse(String(buffer: buffer))
        if let bad = form.first(where: { $0.key.containsNUL || $0.value.containsNUL }) {
            throw Refusal.containsNUL(bad.key.containsNUL ? "form" : bad.key)
        }
        return form
    }
}
