import Foundation
import HTTPTypes
import Hummingbird

/// China's administrative divisions as ListProvinces, ListCities and ListCounties answer
/// them: reference data generated from a maintained GB/T 2260 dataset
/// (`scripts/divisions/generate.py` writes `DivisionsData.swift`), parsed once at first use.
/// Nothing is stored in the database: every instance answers the same from the binary.
public enum Divisions {
    public struct Division: Sendable, Equatable {
        /// Huawei's code: `CN-13`, `CN-13-001`, `CN-13-001-01`.
        public var code: String
        public var parent: String
        /// The GB/T 2260 code, e.g. 130102.
        public var gbCode: String
        public var chinese: String
        public var english: String
    }

    /// Every division under its parent's code ("" for the provinces), in code order.
    static let byParent: [String: [Division]] = {
        var out: [String: [Division]] = [:]
        for line in rows.split(separator: "\n") {
            let f = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            precondition(f.count == 5, "a division row has five fields")
            out[f[1], default: []].append(Division(code: f[0], parent: f[1], gbCode: f[2], chinese: f[3], english: f[4]))
        }
        return out
    }()

    /// The divisions directly under `parent` ("" for the provinces); none for an unknown code.
    public static func children(of parent: String) -> [Division] { byParent[parent] ?? [] }
}

/// A division as the three operations show it: `code` and `name`.
public struct DivisionItem: Codable, Sendable, Equatable {
    public var code: String
    public var name: String
}

public struct ProvinceList: Codable, Sendable {
    public var count: Int
    public var provinces: [DivisionItem]
}

public struct CityList: Codable, Sendable {
    public var count: Int
    public var cities: [DivisionItem]
}

public struct CountyList: Codable, Sendable {
    public var count: Int
    public var counties: [DivisionItem]
}

/// One page of one level's divisions, checked: the parent's code (none for provinces), the
/// language (`X-Language`: zh_cn by default, en_us for English names) and the page
/// (offset 0–1000, limit 1–1000, default 10).
public struct DivisionQuery: Sendable {
    public var parent: String
    public var english: Bool
    public var page: Page

    public init(language: String?, _ query: QueryParameters, parentField: String?, maxParent: Int = 40) throws {
        let (offset, limit) = (try query.queryIntStrict("offset"), try query.queryIntStrict("limit"))
        if let l = language, !l.isEmpty {
            try Check.length(l, "X-Language", max: 8)
            let v = l.lowercased().replacingOccurrences(of: "-", with: "_")
            guard ["zh_cn", "en_us"].contains(v) else { throw Refusal.parameter("X-Language", "must be zh_cn or en_us") }
            english = v == "en_us"
        } else {
            english = false
        }
        if let parentField {
            guard let p = query[parentField], !p.isEmpty else { throw Refusal.parameter(parentField, "is required") }
            try Check.length(p, parentField, max: maxParent)
            parent = p
        } else {
            parent = ""
        }
        page = try Page(offset: offset, limit: limit, defaultLimit: 10, maxLimit: 1000, maxOffset: 1000)
    }

    /// The page, with `count` the number of divisions at this level under the parent.
    func answer() -> (count: Int, items: [DivisionItem]) {
        let all = Divisions.children(of: parent)
        let items = all.dropFirst(page.offset).prefix(page.limit).map { DivisionItem(code: $0.code, name: english ? $0.english : $0.chinese) }
        return (all.count, Array(items))
    }
}

/// ListProvinces, ListCities and ListCounties.
public enum DivisionRoutes {
    static let callers: Set<AccountKind> = [.solutionProvider, .distributor, .customer]
    public static let provinces = Operation("ListProvinces", callers: callers)
    public static let cities = Operation("ListCities", callers: callers)
    public static let counties = Operation("ListCounties", callers: callers)
    static let xLanguage = HTTPField.Name("X-Language")!

    public static func register(on router: Router<PCContext>, gateway: Gateway) {
        router.api(.get, "/v2/systems/configs/provinces", provinces, gateway: gateway) { call in
            let a = try DivisionQuery(language: call.headers[xLanguage], call.queryParameters, parentField: nil).answer()
            return ProvinceList(count: a.count, provinces: a.items)
        }
        router.api(.get, "/v2/systems/configs/cities", cities, gateway: gateway) { call in
            let a = try DivisionQuery(language: call.headers[xLanguage], call.queryParameters, parentField: "province_code").answer()
            return CityList(count: a.count, cities: a.items)
        }
        router.api(.get, "/v2/systems/configs/counties", counties, gateway: gateway) { call in
            let a = try DivisionQuery(language: call.headers[xLanguage], call.queryParameters, parentField: "city_code", maxParent: 20).answer()
            return CountyList(count: a.count, counties: a.items)
        }
    }
}
