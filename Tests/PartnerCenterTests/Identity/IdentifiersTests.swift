import Testing
@testable import PartnerCenter

struct IdentifiersTests {
    @Test func shapes() {
        let hex = Set("0123456789abcdef")
        for _ in 0..<1000 {
            let id = Identifiers.domainID()
            #expect(id.count == 32 && id.allSatisfy(hex.contains))
        }
        #expect(Identifiers.accessKey().count == 20 && Identifiers.secretKey().count == 40)
        #expect(Identifiers.randomBytes(3).count == 3 && Identifiers.randomBytes(17).count == 17)
        let order = OrderStore.orderID(now: 1_780_000_000_000)
        #expect(order.count == 17 && order.hasPrefix("CS"))
    }

    /// Characters are drawn uniformly: taking each byte modulo 36 would make the first four
    /// of 36 characters about 14% likelier, which this catches (the counts of a uniform
    /// draw of 360,000 stay within a few percent of each other).
    @Test func charactersAreUniform() {
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        var counts: [Character: Int] = [:]
        for _ in 0..<3600 { for c in Identifiers.random(alphabet, 100) { counts[c, default: 0] += 1 } }
        #expect(Set(counts.keys) == Set(alphabet))
        let (lo, hi) = (counts.values.min()!, counts.values.max()!)
        #expect(Double(hi) / Double(lo) < 1.1, "counts from \(lo) to \(hi)")
        // Distinct ids: 100,000 domain ids, none twice.
        #expect(Set((0..<100_000).map { _ in Identifiers.domainID() }).count == 100_000)
    }
}
