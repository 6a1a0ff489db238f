import Foundation
import Prometheus

/// Request counts and latency by operation and status, in Prometheus text at /metrics.
public final class APIMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    static let buckets: [Duration] = [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                      .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)]

    public init() {}

    public func record(operation: String, status: Int, started: ContinuousClock.Instant?) {
        let labels = [("operation", operation), ("status", String(status))]
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "partner_center", metricName: "requests", unitName: "total",
                                                              helpText: "API requests by operation and HTTP status"), labels: labels).increment()
        if let started {
            registry.makeDurationHistogram(descriptor: MetricNameDescriptor(namespace: "partner_center", metricName: "request_duration", unitName: "seconds",
                                                                            helpText: "API request latency by operation and HTTP status"),
                                           labels: labels, buckets: Self.buckets).record(ContinuousClock.now - started)
        }
    }

    public func text() -> String { registry.emitToString() }
}
