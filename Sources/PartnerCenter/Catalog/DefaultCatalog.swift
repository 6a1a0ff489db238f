import Foundation

/// The catalog a fresh server starts with: real Huawei Cloud codes for ECS, EVS, EIP and
/// bandwidth, OBS and RDS in three regions, so a newcomer can quote real products at once.
/// Prices are list prices in yuan of the sandbox, not a copy of Huawei's price list.
/// It is loaded through the same import path as `admin catalog import`.
enum DefaultCatalog {
    static let regions = ["cn-north-4", "cn-east-3", "ap-southeast-1"]
    /// Regions differ a little, as they do in reality.
    static let regionFactor: [String: Decimal] = ["cn-north-4": 1, "cn-east-3": 1, "ap-southeast-1": Decimal(string: "1.2")!]

    static let serviceTypes: [CatalogDocument.ServiceType] = [
        .init(code: "hws.service.type.ec2", nameZh: "弹性云服务器", nameEn: "Elastic Cloud Server", abbreviation: "ECS"),
        .init(code: "hws.service.type.ebs", nameZh: "云硬盘", nameEn: "Elastic Volume Service", abbreviation: "EVS"),
        .init(code: "hws.service.type.vpc", nameZh: "虚拟私有云", nameEn: "Virtual Private Cloud", abbreviation: "VPC"),
        .init(code: "hws.service.type.obs", nameZh: "对象存储服务", nameEn: "Object Storage Service", abbreviation: "OBS"),
        .init(code: "hws.service.type.rds", nameZh: "云数据库 RDS", nameEn: "Relational Database Service", abbreviation: "RDS"),
    ]

    static let resourceTypes: [CatalogDocument.ResourceType] = [
        .init(code: "hws.resource.type.vm", serviceType: "hws.service.type.ec2", nameZh: "云主机", nameEn: "ECS VM"),
        .init(code: "hws.resource.type.volume", serviceType: "hws.service.type.ebs", nameZh: "云硬盘", nameEn: "EVS Disk"),
        .init(code: "hws.resource.type.ip", serviceType: "hws.service.type.vpc", nameZh: "弹性公网IP", nameEn: "Elastic IP"),
        .init(code: "hws.resource.type.bandwidth", serviceType: "hws.service.type.vpc", nameZh: "带宽", nameEn: "Bandwidth"),
        .init(code: "hws.resource.type.obs", serviceType: "hws.service.type.obs", nameZh: "对象存储", nameEn: "OBS Storage"),
        .init(code: "hws.resource.type.rds.vm", serviceType: "hws.service.type.rds", nameZh: "数据库实例", nameEn: "RDS Instance"),
    ]

    static let usageTypes: [CatalogDocument.UsageType] = [
        .init(code: "Duration", resourceType: "hws.resource.type.vm", nameZh: "时长", nameEn: "Duration"),
        .init(code: "Duration", resourceType: "hws.resource.type.volume", nameZh: "时长", nameEn: "Duration"),
        .init(code: "Duration", resourceType: "hws.resource.type.ip", nameZh: "时长", nameEn: "Duration"),
        .init(code: "Duration", resourceType: "hws.resource.type.bandwidth", nameZh: "时长", nameEn: "Duration"),
        .init(code: "upflow", resourceType: "hws.resource.type.bandwidth", nameZh: "上行流量", nameEn: "Outbound traffic"),
        .init(code: "capacity", resourceType: "hws.resource.type.obs", nameZh: "存储容量", nameEn: "Storage capacity"),
        .init(code: "downflow", resourceType: "hws.resource.type.obs", nameZh: "公网流出流量", nameEn: "Internet outbound traffic"),
        .init(code: "reqNumber", resourceType: "hws.resource.type.obs", nameZh: "调用次数", nameEn: "Number of requests"),
        .init(code: "Duration", resourceType: "hws.resource.type.rds.vm", nameZh: "时长", nameEn: "Duration"),
    ]

    static let measureUnits: [CatalogDocument.MeasureUnit] = [
        .init(id: 1, nameZh: "元", nameEn: "Yuan", abbreviation: "yuan", measureType: 1),
        .init(id: 2, nameZh: "角", nameEn: "Jiao", abbreviation: "jiao", measureType: 1),
        .init(id: 3, nameZh: "分", nameEn: "Fen", abbreviation: "fen", measureType: 1),
        .init(id: 4, nameZh: "小时", nameEn: "Hour", abbreviation: "h", measureType: 2),
        .init(id: 5, nameZh: "分钟", nameEn: "Minute", abbreviation: "min", measureType: 2),
        .init(id: 6, nameZh: "秒", nameEn: "Second", abbreviation: "s", measureType: 2),
        .init(id: 7, nameZh: "EB", nameEn: "EB", abbreviation: "EB", measureType: 3),
        .init(id: 8, nameZh: "PB", nameEn: "PB", abbreviation: "PB", measureType: 3),
        .init(id: 9, nameZh: "TB", nameEn: "TB", abbreviation: "T", measureType: 3),
        .init(id: 10, nameZh: "GB", nameEn: "GB", abbreviation: "G", measureType: 3),
        .init(id: 11, nameZh: "MB", nameEn: "MB", abbreviation: "M", measureType: 3),
        .init(id: 12, nameZh: "KB", nameEn: "KB", abbreviation: "K", measureType: 3),
        .init(id: 13, nameZh: "Byte", nameEn: "Byte", abbreviation: "B", measureType: 3),
        .init(id: 14, nameZh: "个", nameEn: "Piece", abbreviation: "pcs", measureType: 4),
        .init(id: 15, nameZh: "Mbps", nameEn: "Mbps", abbreviation: "Mbps", measureType: 16),
        .init(id: 17, nameZh: "GB", nameEn: "GB", abbreviation: "GB", measureType: 7),
        .init(id: 19, nameZh: "年", nameEn: "Year", abbreviation: "y", measureType: 10),
        .init(id: 20, nameZh: "月", nameEn: "Month", abbreviation: "mo", measureType: 10),
        .init(id: 24, nameZh: "天", nameEn: "Day", abbreviation: "d", measureType: 10),
        .init(id: 25, nameZh: "小时", nameEn: "Hour", abbreviation: "h", measureType: 10),
        .init(id: 30, nameZh: "万次", nameEn: "10,000 requests", abbreviation: "10k", measureType: 4),
    ]

    static let conversions: [CatalogDocument.Conversion] = [
        .init(measureID: 1, refMeasureID: 2, ratio: 10, measureType: 1),
        .init(measureID: 2, refMeasureID: 3, ratio: 10, measureType: 1),
        .init(measureID: 4, refMeasureID: 5, ratio: 60, measureType: 2),
        .init(measureID: 5, refMeasureID: 6, ratio: 60, measureType: 2),
        .init(measureID: 7, refMeasureID: 8, ratio: 1024, measureType: 3),
        .init(measureID: 8, refMeasureID: 9, ratio: 1024, measureType: 3),
        .init(measureID: 9, refMeasureID: 10, ratio: 1024, measureType: 3),
        .init(measureID: 10, refMeasureID: 11, ratio: 1024, measureType: 3),
        .init(measureID: 11, refMeasureID: 12, ratio: 1024, measureType: 3),
        .init(measureID: 12, refMeasureID: 13, ratio: 1024, measureType: 3),
        .init(measureID: 30, refMeasureID: 14, ratio: 10000, measureType: 4),
    ]

    // ECS flavors: (flavor, hourly, monthly, yearly) for Linux; Windows adds a licence.
    static let flavors: [(String, String, String, String)] = [
        ("s6.small.1", "0.22", "28.20", "287.64"),
        ("s6.medium.2", "0.44", "56.40", "575.28"),
        ("s6.large.2", "0.88", "112.80", "1150.56"),
        ("c6.large.2", "1.01", "129.60", "1321.92"),
        ("c6.xlarge.2", "2.02", "259.20", "2643.84"),
    ]
    static let volumes: [(String, String, String)] = [  // per GB: hourly, monthly
        ("SATA", "0.0004", "0.30"), ("SAS", "0.0005", "0.35"), ("GPSSD", "0.0007", "0.50"), ("SSD", "0.0014", "1.00"),
    ]
    static let rdsFlavors: [(String, String, String)] = [
        ("rds.mysql.n1.large.2", "1.10", "480.00"), ("rds.mysql.n1.xlarge.2", "2.20", "960.00"),
    ]

    static func d(_ s: String) -> Decimal { Decimal(string: s)! }
    static func scaled(_ s: String, _ region: String) -> String {
        Money.format(Money.roundedHalfUp(d(s) * regionFactor[region]!, scale: 6))
    }

    static var products: [CatalogDocument.Product] {
        var out: [CatalogDocument.Product] = []
        func onDemand(_ service: String, _ resource: String, _ spec: String, _ region: String, factor: String, measure: Int, price: String? = nil,
                      size: Int? = nil, tiers: [CatalogDocument.Tier]? = nil) {
            out.append(.init(cloudServiceType: service, resourceType: resource, resourceSpec: spec, region: region, chargeMode: "on_demand",
                             usageFactor: factor, usageMeasureID: measure, sizeMeasureID: size, unitPrice: price.map { scaled($0, region) }, tiers: tiers))
        }
        func period(_ service: String, _ resource: String, _ spec: String, _ region: String, month: String, year: String, size: Int? = nil) {
            out.append(.init(cloudServiceType: service, resourceType: resource, resourceSpec: spec, region: region, chargeMode: "period",
                             sizeMeasureID: size, monthPrice: scaled(month, region), yearPrice: scaled(year, region)))
        }
        for region in regions {
            for (flavor, hour, month, year) in flavors {
                for (os, extra) in [("linux", Decimal(0)), ("win", Decimal(string: "0.10")!)] {
                    let spec = "\(flavor).\(os)"
                    let h = Money.format(d(hour) + extra)
                    let m = Money.format(d(month) + extra * 720)
                    let y = Money.format(Money.roundedHalfUp((d(month) + extra * 720) * Decimal(string: "10.2")!, scale: 2))
                    onDemand("hws.service.type.ec2", "hws.resource.type.vm", spec, region, factor: "Duration", measure: 4, price: h)
                    period("hws.service.type.ec2", "hws.resource.type.vm", spec, region, month: m, year: os == "linux" ? year : y)
                }
            }
            for (spec, hour, month) in volumes {
                onDemand("hws.service.type.ebs", "hws.resource.type.volume", spec, region, factor: "Duration", measure: 4, price: hour, size: 17)
                period("hws.service.type.ebs", "hws.resource.type.volume", spec, region, month: month,
                       year: Money.format(d(month) * 10), size: 17)
            }
            for spec in ["5_bgp", "5_sbgp"] {
                onDemand("hws.service.type.vpc", "hws.resource.type.ip", spec, region, factor: "Duration", measure: 4, price: "0.02")
                period("hws.service.type.vpc", "hws.resource.type.ip", spec, region, month: "20.00", year: "200.00")
            }
            for (spec, hour, month) in [("19_bgp", "0.063", "23.00"), ("19_sbgp", "0.055", "20.00"), ("19_share", "0.08", "30.00")] {
                onDemand("hws.service.type.vpc", "hws.resource.type.bandwidth", spec, region, factor: "Duration", measure: 4, price: hour, size: 15)
                period("hws.service.type.vpc", "hws.resource.type.bandwidth", spec, region, month: month, year: Money.format(d(month) * 10), size: 15)
            }
            for spec in ["12_bgp", "12_sbgp"] {
                onDemand("hws.service.type.vpc", "hws.resource.type.bandwidth", spec, region, factor: "upflow", measure: 10, price: "0.80")
            }
            // OBS standard storage per GB-hour, and tiered Internet outbound traffic per GB.
            onDemand("hws.service.type.obs", "hws.resource.type.obs", "obs_standard", region, factor: "capacity", measure: 10, price: "0.000139")
            onDemand("hws.service.type.obs", "hws.resource.type.obs", "obs_standard", region, factor: "downflow", measure: 10,
                     tiers: [.init(upTo: "10240", unitPrice: scaled("0.50", region)), .init(upTo: "51200", unitPrice: scaled("0.45", region)),
                             .init(upTo: nil, unitPrice: scaled("0.40", region))])
            onDemand("hws.service.type.obs", "hws.resource.type.obs", "obs_standard", region, factor: "reqNumber", measure: 30, price: "0.01")
            for (flavor, hour, month) in rdsFlavors {
                onDemand("hws.service.type.rds", "hws.resource.type.rds.vm", flavor, region, factor: "Duration", measure: 4, price: hour)
                period("hws.service.type.rds", "hws.resource.type.rds.vm", flavor, region, month: month, year: Money.format(d(month) * 10))
            }
        }
        return out
    }

    static var document: CatalogDocument {
        CatalogDocument(serviceTypes: serviceTypes, resourceTypes: resourceTypes, usageTypes: usageTypes, measureUnits: measureUnits,
                        conversions: conversions, products: products)
    }
}
