import Foundation
import Hummingbird
import NIOCore

/// ShowRealNameAuthQrCode (a customer's own call) and the page its QR code opens.
public enum FaceVerificationRoutes {
    public static let showQrCode = Operation("ShowRealNameAuthQrCode", callers: [.customer])

    public static func register(on router: Router<PCContext>, gateway: Gateway, store: FaceVerificationStore, publicURL: String) {
        router.api(.get, "/v2/customers/real-name-auth-qrcode", showQrCode, gateway: gateway) { call in
            try await store.issue(caller: call.principal, publicURL: publicURL)
        }
        // The QR code itself, while its ticket is open: a PNG encoding the page below.
        router.get("/realname/face/:ticket/qr.png") { request, context in
            await SSORoutes.page(context) {
                let ticket = context.parameters.get("ticket") ?? ""
                let state = try await store.state(ticket: ticket)
                guard case .open = state else { return try page(ticket: ticket, state: state) }
                let png = try QRCodeImage.png(FaceVerificationStore.pageURL(ticket: ticket, publicURL: publicURL))
                return Response(status: .ok, headers: [.contentType: "image/png", .cacheControl: "no-store"],
                                body: .init(byteBuffer: ByteBuffer(bytes: png)))
            }
        }
        // What scanning the code opens: the person confirms their name, then the check completes.
        router.get("/realname/face/:ticket") { request, context in
            await SSORoutes.page(context) {
                let ticket = context.parameters.get("ticket") ?? ""
                return try await page(ticket: ticket, state: try await store.state(ticket: ticket))
            }
        }
        router.post("/realname/face/:ticket") { request, context in
            await SSORoutes.page(context) {
                let ticket = context.parameters.get("ticket") ?? ""
                let form = try await FormData.body(request, limit: 16 * 1024)
                try await store.complete(ticket: ticket, name: form["name"])
                return HTML.response(.ok, HTML.page(title: "Verified", body: """
                    <section class="done"><h2>Real-name authentication complete</h2>
                    <p id="verified">The account is now verified as an individual. You can close this page.</p></section>
                    """))
            }
        }
    }

    static func page(ticket: String, state: FaceTicketState) throws -> Response {
        let e = HTML.esc
        switch state {
        case .open(_, let account, let expires):
            return HTML.response(.ok, HTML.page(title: "Face verification", body: """
                <section><h2>Face verification for \(e(account))</h2>
                <p>Valid until \(e(WireTime.utc(expires))). Enter your name as it appears on your identity card to complete
                real-name authentication as an individual.</p>
                <form method="post" action="/realname/face/\(e(ticket))">
                <label>Name <input name="name" id="name" required minlength="2" maxlength="64" autocomplete="name"></label>
                <button type="submit" id="verify">Verify</button>
                </form></section>
                """))
        case .used, .lapsed, .unknown:
            let why = state == .used ? "This QR code has already been used." : state == .lapsed ? "This QR code has lapsed." : "This is not a valid QR code."
            return HTML.response(.gone, HTML.page(title: "QR code not valid", body: """
                <section class="error"><h2>QR code not valid</h2><p id="invalid">\(why) Ask for a new one.</p></section>
                """))
        }
    }
}
