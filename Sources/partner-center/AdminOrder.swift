import ArgumentParser
import Foundation
import PartnerCenter

struct OrderCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "order", abstract: "Customers' yearly/monthly orders (standing in for purchases in the cloud console).",
                                                    subcommands: [Create.self, Show.self, List.self])

    static func line(_ o: OrderInfo) -> String {
        "\(o.orderID)  status \(o.status)  type \(o.orderType)  \(Money.format(o.amountAfterDiscount)) \(o.currency) (list \(Money.format(o.officialAmount)))  created \(o.createTime)"
            + (o.paymentTime.map { "  paid \($0)" } ?? "")
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Place a new-purchase order for a customer: pending payment (status 6), or paid at once with --pay.",
            discussion: """
                ORDER.json is {"product_infos": [...]}, each item with the keys of a period quote's product_infos: id, cloud_service_type,
                resource_type, resource_spec, region, period_type (2 month, 3 year), period_num, subscription_num, and resource_size /
                size_measure_id for linear products. The order is priced with the price book and the customer's discounts.
                """)
        @Option(help: "The customer's account id.") var customerId: String
        @Option(help: "The order's products (JSON).") var file: String
        @Flag(help: "Pay it at once from the customer's cash, then credit.") var pay = false
        @Flag(help: "Print JSON (ShowCustomerOrderDetails' keys).") var json = false
        @OptionGroup var storage: StorageOptions

        struct File: Decodable { var productInfos: [PeriodProductInfo]?; enum CodingKeys: String, CodingKey { case productInfos = "product_infos" } }

        func run() async throws {
            try await guarded {
                guard let data = FileManager.default.contents(atPath: file) else { throw ConfigError("cannot read \(file)") }
                let products: File
                do { products = try JSONDecoder().decode(File.self, from: data) } catch { throw ConfigError("\(file) is not an order file: \(error)") }
                let request = try NewOrder(CreateOrderRequest(customerID: customerId, productInfos: products.productInfos, pay: pay))
                let order = try await storage.with { try await $0.orders.place(request) }
                if json { try printJSON(OperatorOrder(order)) } else { print("placed " + OrderCommands.line(order.orderInfo)) }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one order and its line items.")
        @Argument(help: "The order id.") var orderId: String
        @Flag(help: "Print JSON (ShowCustomerOrderDetails' keys).") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                let order = try await storage.with { try await $0.orders.details(orderID: orderId) }
                if json { try printJSON(OperatorOrder(order)); return }
                print(OrderCommands.line(order.orderInfo))
                for l in order.orderLineItems {
                    print("  \(l.orderLineItemID)  \(l.serviceTypeCode) \(l.productSpecDesc) ×\(l.subscriptionNum)  \(Money.format(l.amountAfterDiscount))  \(l.effectiveTime) – \(l.expireTime)")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a customer's orders, newest first.")
        @Option(help: "The customer's account id.") var customerId: String
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                let orders = try await storage.with { try await $0.orders.list(customerID: customerId) }
                if json { try printJSON(OperatorRoutes.OrderList(orders: orders)) } else { orders.forEach { print(OrderCommands.line($0)) } }
            }
        }
    }
}
