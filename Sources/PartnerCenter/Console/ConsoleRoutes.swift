import Foundation
import Hummingbird
import SQLKit

/// The customer console SSO lands on: account, balances, coupons, resources and this month's
/// spend, read through the same stores the BSS operations use, as the signed-in customer.
public enum ConsoleRoutes {
    static let sessionCookie = "pc_console"

    public static func register(on router: Router<PCContext>, platform: Platform, config: SSOConfig) {
        // "/console" also answers "/console/"; "/console/**" every page below it.
        for path in ["/console", "/console/**"] {
          router.get(RouterPath(path)) { request, context in
            await SSORoutes.page(context) {
                guard let token = request.cookies[sessionCookie]?.value, let customerID = try await platform.saml.session(token: token) else {
                    return HTML.response(.unauthorized, HTML.page(title: "Not signed in", body: """
                        <section class="error"><h2>Not signed in</h2>
                        <p>The console is reached through single sign-on from your partner's platform. Start from there.</p></section>
                        """))
                }
                return HTML.response(.ok, try await dashboard(platform: platform, customerID: customerID))
            }
          }
        }
        router.post("/console/logout") { request, context in
            await SSORoutes.page(context) {
                if let token = request.cookies[sessionCookie]?.value { try await platform.saml.endSession(token: token) }
                return HTML.redirect("/console/", cookies: [Cookie(name: sessionCookie, value: "", maxAge: 0, path: "/")])
            }
        }
    }

    static func money(_ d: Decimal) -> String {
        // Shown to the fen, half-up, as Huawei's console shows balances.
        let r = Money.roundedHalfUp(d, scale: 2)
        let f = NumberFormatter()
        f.numberStyle = .decimal
        f.minimumFractionDigits = 2
        f.maximumFractionDigits = 2
        f.locale = Locale(identifier: "en_US_POSIX")
        f.usesGroupingSeparator = true
        f.groupingSeparator = ","
        f.groupingSize = 3
        return "¥" + (f.string(from: r as NSDecimalNumber) ?? "\(r)")
    }

    static let balanceNames = [1: "Cash", 2: "Credit", 5: "Coupons", 7: "Stored-value card"]

    static func dashboard(platform: Platform, customerID: String) async throws -> String {
        guard let account = try await platform.accounts.account(id: customerID) else { throw SSOFailure("session", "the account no longer exists") }
        let me = Principal(domainID: account.domainID, domainName: account.domainName, kind: .customer, parentID: nil, via: "console")
        let e = HTML.esc
        let balances = try await platform.funds.customerBalances(caller: me)
        let now = try await platform.database.businessNow()
        let cycle = String(WireTime.utc(now + WireTime.beijingOffset).prefix(7))
        let month = try await platform.billing.customerMonthlySum(caller: me, try CustomerMonthlySumQuery(QueryParameters([("bill_cycle", cycle)])))
        let resources = try await platform.resources.list(caller: me, try ResourceFilter(QueryResourcesRequest(offset: 0, limit: 100), caller: me))
        let coupons = try await platform.database.read { db in
            try await db.raw("""
                SELECT c.id, c.face_value, c.status, c.expires_at, l.balance FROM coupons c JOIN ledger_accounts l ON l.id = c.ledger_account
                WHERE c.customer_id = \(bind: customerID) ORDER BY c.created_at DESC LIMIT 100
                """).all()
        }
        var couponRows = ""
        for c in coupons {
            let left = try c.decode(column: "balance", as: Int64.self)
            let status = try c.decode(column: "status", as: Int.self)
            couponRows += "<tr><td>\(e(try c.decode(column: "id", as: String.self)))</td><td class=num>\(money(Units.decimal(try c.decode(column: "face_value", as: Int64.self))))</td>"
                + "<td class=num>\(money(Units.decimal(left)))</td><td>\([1: "usable", 2: "used up", 3: "reclaimed", 4: "expired"][status] ?? String(status))</td>"
                + "<td>\(e(WireTime.utc(try c.decode(column: "expires_at", as: Int64.self))))</td></tr>"
        }
        let balanceRows = balances.accountBalances.map {
            "<tr><td>\(e(balanceNames[$0.accountType] ?? "Type \($0.accountType)"))</td><td class=num>\(money($0.amount))</td></tr>"
        }.joined()
        let resourceRows = resources.data.map {
            "<tr><td>\(e($0.resourceName))</td><td>\(e($0.serviceTypeName))</td><td>\(e($0.regionCode))</td><td>\(e($0.effectiveTime))</td><td>\(e($0.expireTime ?? "—"))</td></tr>"
        }.joined()
        let spendRows = month.billSums.map {
            "<tr><td>\(e($0.serviceTypeName))</td><td>\(e($0.resourceTypeName))</td><td class=num>\(money($0.consumeAmount))</td></tr>"
        }.joined()
        let empty = { (cols: Int, text: String) in "<tr><td colspan=\(cols) class=muted>\(text)</td></tr>" }
        let logout = "<form method=\"post\" action=\"/console/logout\"><button type=\"submit\">Sign out</button></form>"
        return HTML.page(title: "Console — \(account.domainName)", header: "Cloud console", headerRight: logout, body: """
            <section id="account"><h2>Account</h2><table>
            <tr><th>Account name</th><td>\(e(account.domainName))</td></tr>
            <tr><th>Account ID</th><td>\(e(account.domainID))</td></tr>
            <tr><th>Debt</th><td class=num>\(money(balances.debtAmount))</td></tr></table></section>
            <section id="balances"><h2>Balances</h2><table><tr><th>Balance</th><th class=num>Amount</th></tr>
            \(balanceRows.isEmpty ? empty(2, "No balances.") : balanceRows)</table></section>
            <section id="coupons"><h2>Coupons</h2><table><tr><th>Coupon</th><th class=num>Face value</th><th class=num>Left</th><th>Status</th><th>Expires (UTC)</th></tr>
            \(couponRows.isEmpty ? empty(5, "No coupons.") : couponRows)</table></section>
            <section id="resources"><h2>Resources</h2><table><tr><th>Name</th><th>Service</th><th>Region</th><th>Since</th><th>Expires</th></tr>
            \(resourceRows.isEmpty ? empty(5, "No yearly/monthly resources.") : resourceRows)</table></section>
            <section id="spend"><h2>Spend in \(e(cycle))</h2><table><tr><th>Service</th><th>Resource type</th><th class=num>Amount</th></tr>
            \(spendRows.isEmpty ? empty(3, "Nothing spent this month yet.") : spendRows)
            <tr><th colspan=2>Total</th><td class=num id="month-total">\(money(month.consumeAmount))</td></tr></table></section>
            """)
    }
}
