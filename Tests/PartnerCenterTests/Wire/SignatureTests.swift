import Testing
@testable import PartnerCenter

/// Vectors computed with the official Python SDK's signer (huaweicloudsdkcore.signer.Signer)
/// for AK AKTESTVECTOR00000001 / SK SKtestvectorSecretKey0123456789abcdefghi at 20261125T120000Z.
struct SignatureTests {
    static let sk = "SKtestvectorSecretKey0123456789abcdefghi"

    func signature(method: String, target: String, headers: [String: String], signed: [String], body: String) -> String {
        let parts = target.split(separator: "?", maxSplits: 1).map(String.init)
        let canonical = SDKSignature.canonicalRequest(method: method, path: parts[0], rawQuery: parts.count > 1 ? parts[1] : "",
                                                      signedHeaders: signed, header: { headers[$0] }, body: Array(body.utf8))
        return SDKSignature.sign(stringToSign: SDKSignature.stringToSign(canonicalRequest: canonical, sdkDate: "20261125T120000Z"), secretKey: Self.sk)
    }

    @Test func postWithJSONBodyMatchesTheSDK() {
        let sig = signature(method: "POST", target: "/v2/partners/sub-customers/query",
                            headers: ["content-type": "application/json", "host": "127.0.0.1:8080", "x-domain-id": "d0d1", "x-sdk-date": "20261125T120000Z"],
                            signed: ["content-type", "host", "x-domain-id", "x-sdk-date"], body: "{\"limit\": 10, \"offset\": 0}")
        #expect(sig == "dc944f0dfe546cb0eb54213a566f8df6e38d118f367b2ec1132269e0cb6efa6b")
    }

    @Test func getWithSortedEncodedQueryMatchesTheSDK() {
        let sig = signature(method: "GET", target: "/v3/accounts/partner-accounts/adjust-records?customer_id=abc&limit=10&operation_time_begin=2026-01-01T00%3A00%3A00Z&operation_type=SOURCE_OPERATION_BEADJUST",
                            headers: ["content-type": "application/json", "host": "127.0.0.1:8080", "x-sdk-date": "20261125T120000Z"],
                            signed: ["content-type", "host", "x-sdk-date"], body: "")
        #expect(sig == "6a5d5387c276e1ce7ae1cba49c08c291b41546861966ab3a0004576f426c80c8")
    }

    @Test func unicodeAndReservedCharactersInQueryMatchTheSDK() {
        let sig = signature(method: "GET", target: "/v2/bills/partner-bills/subcustomer-bills/monthly-sum?bill_cycle=2026-10&name=%E4%B8%AD%E6%96%87%20%E5%90%8D%20a%2Bb%2Fc~d",
                            headers: ["host": "127.0.0.1:8080", "x-sdk-date": "20261125T120000Z"], signed: ["host", "x-sdk-date"], body: "")
        #expect(sig == "08057fb57f2964b5f1bae680b4ce716d96b3ca177cf24c605a613a00b3388461")
    }

    @Test func queryOrderOnTheWireDoesNotMatter() {
        #expect(SDKSignature.canonicalQuery(rawQuery: "b=2&a=1&a=0") == "a=0&a=1&b=2")
        #expect(SDKSignature.canonicalQuery(rawQuery: "x=a%20b") == "x=a%20b")
    }

    @Test func canonicalURIAlwaysEndsWithSlash() {
        #expect(SDKSignature.canonicalURI(path: "/v2/a") == "/v2/a/")
        #expect(SDKSignature.canonicalURI(path: "/v2/a%20b/") == "/v2/a%20b/")
    }

    @Test func tamperedBodyChangesTheSignature() {
        let a = signature(method: "POST", target: "/x", headers: ["host": "h", "x-sdk-date": "20261125T120000Z"], signed: ["host", "x-sdk-date"], body: "{\"a\":1}")
        let b = signature(method: "POST", target: "/x", headers: ["host": "h", "x-sdk-date": "20261125T120000Z"], signed: ["host", "x-sdk-date"], body: "{\"a\":2}")
        #expect(a != b)
    }

    @Test func authorizationHeaderParses() throws {
        let auth = try #require(SDKSignature.parseAuthorization("SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=abc"))
        #expect(auth.accessKey == "AK1")
        #expect(auth.signedHeaders == ["host", "x-sdk-date"])
        #expect(auth.signature == "abc")
        #expect(SDKSignature.parseAuthorization("Bearer x") == nil)
        #expect(SDKSignature.parseAuthorization("SDK-HMAC-SHA256 Access=AK1") == nil)
    }

    @Test func constantTimeEquality() {
        #expect(SDKSignature.equal("abc", "abc"))
        #expect(!SDKSignature.equal("abc", "abd"))
        #expect(!SDKSignature.equal("abc", "abcd"))
    }

    @Test func sdkDateParsing() {
        #expect(WireTime.parseBasic("20261125T120000Z") == WireTime.parseUTC("2026-11-25T12:00:00Z"))
        #expect(WireTime.parseBasic("20261325T120000Z") == nil)
        #expect(WireTime.parseBasic("2026-11-25T12:00:00Z") == nil)
    }
}
