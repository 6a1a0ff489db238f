import Foundation
import SQLKit

/// Versioned schema changes, applied in order, once, inside one transaction each run.
/// The DDL is written in the subset SQLite and PostgreSQL share (TEXT, BIGINT, INTEGER),
/// so both backends hold the same schema. Times are epoch milliseconds (BIGINT);
/// money is exact decimal text, summed in Swift's Decimal.
public enum Migrations {
    public struct Migration: Sendable {
        public let version: Int
        public let name: String
        public let statements: [String]
    }

    public static let all: [Migration] = [
        Migration(version: 1, name: "identity and customers", statements: [
            """
            CREATE TABLE settings (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            )
            """,
            // Every principal: the operator, partners (solution-provider, distributor,
            // reseller) and customers. parent_id: a reseller's distributor.
            """
            CREATE TABLE accounts (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                kind TEXT NOT NULL,
                parent_id TEXT REFERENCES accounts(id),
                password_hash TEXT,
                mobile TEXT,
                email TEXT,
                xaccount_type TEXT,
                status TEXT NOT NULL DEFAULT 'active',
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX accounts_name ON accounts (name)",
            "CREATE UNIQUE INDEX accounts_xaccount_type ON accounts (xaccount_type)",
            "CREATE UNIQUE INDEX accounts_mobile ON accounts (mobile) WHERE mobile IS NOT NULL AND mobile <> ''",
            "CREATE INDEX accounts_parent ON accounts (parent_id, kind)",
            "CREATE UNIQUE INDEX accounts_one_operator ON accounts (kind) WHERE kind = 'operator'",
            // A customer's association with the partner that serves it (partner_id may be a reseller).
            """
            CREATE TABLE customers (
                id TEXT PRIMARY KEY REFERENCES accounts(id),
                partner_id TEXT NOT NULL REFERENCES accounts(id),
                created_by TEXT NOT NULL REFERENCES accounts(id),
                xaccount_type TEXT NOT NULL,
                xaccount_id TEXT NOT NULL,
                association_type TEXT NOT NULL,
                associated_on BIGINT NOT NULL,
                label TEXT,
                real_name TEXT,
                verified_status TEXT NOT NULL DEFAULT '-1',
                customer_type INTEGER NOT NULL DEFAULT -1,
                customer_level TEXT NOT NULL DEFAULT 'V0',
                country_code TEXT,
                is_frozen INTEGER NOT NULL DEFAULT 0,
                close_market_ms INTEGER NOT NULL DEFAULT 0
            )
            """,
            "CREATE UNIQUE INDEX customers_xaccount ON customers (xaccount_type, xaccount_id)",
            "CREATE INDEX customers_partner ON customers (partner_id, associated_on)",
            // Secret keys are sealed (AES-GCM) with the master key: a dump alone cannot sign.
            """
            CREATE TABLE access_keys (
                access_key TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                secret_sealed TEXT NOT NULL,
                status TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                revoked_at BIGINT
            )
            """,
            "CREATE INDEX access_keys_account ON access_keys (account_id)",
            // Only a token's SHA-256 is kept: a dump yields no usable token.
            """
            CREATE TABLE tokens (
                token_hash TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id),
                issued_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX tokens_expiry ON tokens (expires_at)",
        ]),
        Migration(version: 2, name: "real-name authentication", statements: [
            // One row per application; the review queue is the pending rows.
            """
            CREATE TABLE realname_applications (
                id TEXT PRIMARY KEY,
                customer_id TEXT NOT NULL REFERENCES customers(id),
                partner_id TEXT NOT NULL REFERENCES accounts(id),
                kind TEXT NOT NULL,
                identify_type INTEGER NOT NULL,
                verified_type INTEGER,
                certificate_type INTEGER,
                name TEXT NOT NULL,
                verified_number TEXT NOT NULL,
                files TEXT NOT NULL,
                details TEXT NOT NULL,
                status TEXT NOT NULL,
                opinion TEXT,
                submitted_at BIGINT NOT NULL,
                reviewed_at BIGINT
            )
            """,
            // The database itself guarantees one pending application per customer.
            "CREATE UNIQUE INDEX realname_one_pending ON realname_applications (customer_id) WHERE status = 'pending'",
            "CREATE INDEX realname_customer ON realname_applications (customer_id, submitted_at)",
            "CREATE INDEX realname_status ON realname_applications (status, submitted_at)",
            "CREATE INDEX realname_number ON realname_applications (verified_number, status)",
        ]),
        Migration(version: 3, name: "ledger", statements: [
            // Money is kept in whole units of 10^-8 yuan (BIGINT), so sums are exact in SQL
            // on both backends; it is Decimal everywhere in Swift.
            // An account's balance is a cache of Σ in − Σ out of its transfers, updated in
            // the same transaction; `version` numbers its lines.
            """
            CREATE TABLE ledger_accounts (
                id TEXT PRIMARY KEY,
                owner_id TEXT REFERENCES accounts(id),
                type TEXT NOT NULL,
                currency TEXT NOT NULL,
                balance BIGINT NOT NULL,
                credit_limit BIGINT NOT NULL DEFAULT 0,
                allow_negative INTEGER NOT NULL,
                version BIGINT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX ledger_accounts_owner ON ledger_accounts (owner_id, type)",
            // Every movement: `amount` leaves from_account and reaches to_account. Each side
            // records its balance and line number after the move, so the history of any
            // account can be replayed and checked.
            """
            CREATE TABLE transfers (
                id TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                from_account TEXT NOT NULL REFERENCES ledger_accounts(id),
                to_account TEXT NOT NULL REFERENCES ledger_accounts(id),
                amount BIGINT NOT NULL,
                currency TEXT NOT NULL,
                from_balance_after BIGINT NOT NULL,
                to_balance_after BIGINT NOT NULL,
                from_version BIGINT NOT NULL,
                to_version BIGINT NOT NULL,
                partner_id TEXT,
                counterparty_id TEXT,
                idempotency_key TEXT,
                request_hash TEXT,
                request_id TEXT,
                created_at BIGINT NOT NULL,
                CHECK (amount > 0),
                CHECK (from_account <> to_account)
            )
            """,
            "CREATE UNIQUE INDEX transfers_idempotency ON transfers (idempotency_key) WHERE idempotency_key IS NOT NULL",
            "CREATE UNIQUE INDEX transfers_from_line ON transfers (from_account, from_version)",
            "CREATE UNIQUE INDEX transfers_to_line ON transfers (to_account, to_version)",
            "CREATE INDEX transfers_partner ON transfers (partner_id, kind, created_at)",
            "CREATE INDEX transfers_counterparty ON transfers (counterparty_id, created_at)",
            // Unbinding ends a customer's association; its history stays.
            "ALTER TABLE customers ADD COLUMN bound INTEGER NOT NULL DEFAULT 1",
            "ALTER TABLE customers ADD COLUMN unbound_at BIGINT",
        ]),
        Migration(version: 4, name: "coupons and quotas", statements: [
            // A quota's and a coupon's value live in their own ledger accounts (ledger_account);
            // the rows here carry what the value may be used for and when.
            """
            CREATE TABLE coupon_quotas (
                id TEXT PRIMARY KEY,
                partner_id TEXT NOT NULL REFERENCES accounts(id),
                parent_quota_id TEXT REFERENCES coupon_quotas(id),
                quota_type INTEGER NOT NULL,
                quota_value BIGINT NOT NULL,
                status INTEGER NOT NULL,
                effective_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                limits TEXT NOT NULL,
                ledger_account TEXT NOT NULL REFERENCES ledger_accounts(id),
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX coupon_quotas_partner ON coupon_quotas (partner_id, created_at)",
            "CREATE INDEX coupon_quotas_parent ON coupon_quotas (parent_quota_id)",
            """
            CREATE TABLE coupons (
                id TEXT PRIMARY KEY,
                quota_id TEXT NOT NULL REFERENCES coupon_quotas(id),
                partner_id TEXT NOT NULL REFERENCES accounts(id),
                customer_id TEXT NOT NULL REFERENCES accounts(id),
                coupon_type INTEGER NOT NULL,
                face_value BIGINT NOT NULL,
                status INTEGER NOT NULL,
                effective_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                limits TEXT NOT NULL,
                memo TEXT,
                ledger_account TEXT NOT NULL REFERENCES ledger_accounts(id),
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX coupons_partner ON coupons (partner_id, created_at)",
            "CREATE INDEX coupons_customer ON coupons (customer_id, status)",
            // The operation logs of ListCouponQuotasRecords (scope 'quota') and
            // ListPartnerCouponsRecord (scope 'coupon'); failed attempts are logged too.
            """
            CREATE TABLE coupon_records (
                id TEXT PRIMARY KEY,
                scope TEXT NOT NULL,
                operation_type TEXT NOT NULL,
                partner_id TEXT NOT NULL REFERENCES accounts(id),
                operator_name TEXT,
                quota_id TEXT,
                parent_quota_id TEXT,
                quota_type INTEGER,
                coupon_id TEXT,
                customer_id TEXT,
                indirect_partner_id TEXT,
                amount BIGINT NOT NULL,
                result TEXT NOT NULL,
                remark TEXT,
                transfer_id TEXT REFERENCES transfers(id),
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX coupon_records_partner ON coupon_records (partner_id, scope, created_at)",
        ]),
        Migration(version: 5, name: "catalog, price book, discounts", statements: [
            "CREATE TABLE catalog_service_types (code TEXT PRIMARY KEY, name_zh TEXT NOT NULL, name_en TEXT NOT NULL, abbreviation TEXT, seq INTEGER NOT NULL)",
            "CREATE TABLE catalog_resource_types (code TEXT PRIMARY KEY, service_type TEXT NOT NULL REFERENCES catalog_service_types(code), name_zh TEXT NOT NULL, name_en TEXT NOT NULL, seq INTEGER NOT NULL)",
            """
            CREATE TABLE catalog_usage_types (code TEXT NOT NULL, resource_type TEXT NOT NULL REFERENCES catalog_resource_types(code),
                name_zh TEXT NOT NULL, name_en TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (code, resource_type))
            """,
            "CREATE TABLE catalog_measure_units (id INTEGER PRIMARY KEY, name_zh TEXT NOT NULL, name_en TEXT NOT NULL, abbreviation TEXT NOT NULL, measure_type INTEGER NOT NULL)",
            """
            CREATE TABLE catalog_conversions (measure_id INTEGER NOT NULL, ref_measure_id INTEGER NOT NULL, ratio BIGINT NOT NULL,
                measure_type INTEGER NOT NULL, PRIMARY KEY (measure_id, ref_measure_id))
            """,
            // What is sold; prices live in plans with effective times. Prices are exact
            // decimal text: they are multiplied in Swift's Decimal, never summed in SQL.
            """
            CREATE TABLE products (
                id TEXT PRIMARY KEY,
                service_type TEXT NOT NULL,
                resource_type TEXT NOT NULL,
                resource_spec TEXT NOT NULL,
                region TEXT NOT NULL,
                charge_mode TEXT NOT NULL,
                usage_factor TEXT NOT NULL,
                usage_measure_id INTEGER,
                size_measure_id INTEGER,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX products_key ON products (service_type, resource_type, resource_spec, region, charge_mode, usage_factor)",
            """
            CREATE TABLE price_plans (
                product_id TEXT NOT NULL REFERENCES products(id),
                effective_from BIGINT NOT NULL,
                effective_until BIGINT,
                unit_price TEXT,
                tiers TEXT,
                hour_price TEXT,
                day_price TEXT,
                month_price TEXT,
                year_price TEXT,
                PRIMARY KEY (product_id, effective_from)
            )
            """,
            // A partner's discount for one customer on one service type: the customer pays
            // `rate` × the list price inside the validity window.
            """
            CREATE TABLE discounts (
                id TEXT PRIMARY KEY,
                partner_id TEXT NOT NULL REFERENCES accounts(id),
                customer_id TEXT NOT NULL REFERENCES accounts(id),
                service_type TEXT NOT NULL,
                rate TEXT NOT NULL,
                effective_from BIGINT NOT NULL,
                effective_until BIGINT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX discounts_customer ON discounts (customer_id, service_type)",
            // Tokens a partner obtained for its customer (IAM assume_role) remember the partner.
            "ALTER TABLE tokens ADD COLUMN acting_partner_id TEXT",
        ]),
        Migration(version: 6, name: "customer resources", statements: [
            // A customer's resources: yearly/monthly ones (with their period and expiry) and
            // pay-per-use ones; attached resources point at their main resource.
            """
            CREATE TABLE customer_resources (
                id TEXT PRIMARY KEY,
                resource_id TEXT NOT NULL,
                customer_id TEXT NOT NULL REFERENCES accounts(id),
                resource_name TEXT NOT NULL,
                region TEXT NOT NULL,
                service_type TEXT NOT NULL,
                resource_type TEXT NOT NULL,
                resource_spec TEXT NOT NULL,
                project_id TEXT NOT NULL,
                product_id TEXT NOT NULL,
                parent_resource_id TEXT,
                is_main INTEGER NOT NULL,
                charge_mode TEXT NOT NULL,
                status INTEGER NOT NULL,
                period_type INTEGER,
                period_num INTEGER,
                effective_at BIGINT NOT NULL,
                expires_at BIGINT,
                expire_policy INTEGER NOT NULL,
                spec_size INTEGER,
                spec_size_measure_id INTEGER,
                order_id TEXT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX customer_resources_rid ON customer_resources (resource_id)",
            "CREATE INDEX customer_resources_customer ON customer_resources (customer_id, charge_mode, expires_at)",
            "CREATE INDEX customer_resources_parent ON customer_resources (parent_resource_id)",
        ]),
        Migration(version: 7, name: "usage and fee records", statements: [
            // Each imported usage record once; content_hash tells a repeat from a conflict.
            """
            CREATE TABLE usage_records (
                record_id TEXT PRIMARY KEY,
                content_hash TEXT NOT NULL,
                customer_id TEXT NOT NULL REFERENCES accounts(id),
                fee_record_id TEXT NOT NULL,
                imported_at BIGINT NOT NULL
            )
            """,
            // A rated fee with its payment split; amounts in units of 10^-8 yuan.
            // official = discount + truncated + consume; consume = coupon + cash + credit + debt.
            """
            CREATE TABLE fee_records (
                id TEXT PRIMARY KEY,
                customer_id TEXT NOT NULL REFERENCES accounts(id),
                partner_id TEXT NOT NULL REFERENCES accounts(id),
                bill_cycle TEXT NOT NULL,
                service_type TEXT NOT NULL,
                resource_type TEXT NOT NULL,
                region TEXT NOT NULL,
                resource_id TEXT NOT NULL,
                resource_name TEXT NOT NULL,
                resource_spec TEXT NOT NULL,
                product_id TEXT NOT NULL,
                usage_type TEXT,
                usage_value TEXT,
                usage_measure_id INTEGER,
                charging_mode INTEGER NOT NULL,
                bill_type INTEGER NOT NULL,
                consume_begin BIGINT NOT NULL,
                consume_end BIGINT NOT NULL,
                trade_time BIGINT NOT NULL,
                trade_id TEXT NOT NULL,
                official BIGINT NOT NULL,
                discount BIGINT NOT NULL,
                truncated BIGINT NOT NULL,
                consume BIGINT NOT NULL,
                cash BIGINT NOT NULL,
                credit BIGINT NOT NULL,
                coupon BIGINT NOT NULL,
                debt BIGINT NOT NULL,
                record_id TEXT
            )
            """,
            "CREATE INDEX fee_records_customer ON fee_records (customer_id, bill_cycle, trade_time)",
            "CREATE INDEX fee_records_partner ON fee_records (partner_id, bill_cycle, trade_time)",
        ]),
        Migration(version: 8, name: "resource packages", statements: [
            // A package gives a customer an amount of one usage type (per item) to use before
            // money; quantities are exact decimal text in the item's measure unit.
            """
            CREATE TABLE resource_packages (
                id TEXT PRIMARY KEY,
                product_id TEXT NOT NULL,
                product_name TEXT NOT NULL,
                customer_id TEXT NOT NULL REFERENCES accounts(id),
                service_type TEXT NOT NULL,
                region TEXT,
                status INTEGER NOT NULL,
                effective_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX resource_packages_customer ON resource_packages (customer_id, expires_at)",
            """
            CREATE TABLE package_items (
                free_resource_id TEXT PRIMARY KEY,
                package_id TEXT NOT NULL REFERENCES resource_packages(id),
                resource_type TEXT NOT NULL,
                usage_type TEXT NOT NULL,
                measure_id INTEGER NOT NULL,
                total TEXT NOT NULL,
                remaining TEXT NOT NULL
            )
            """,
            // Every deduction from an item: remaining = total − Σ used, provably.
            """
            CREATE TABLE package_deductions (
                id TEXT PRIMARY KEY,
                free_resource_id TEXT NOT NULL REFERENCES package_items(free_resource_id),
                fee_record_id TEXT NOT NULL,
                customer_id TEXT NOT NULL,
                resource_id TEXT NOT NULL,
                available TEXT NOT NULL,
                used TEXT NOT NULL,
                remaining TEXT NOT NULL,
                deduct_time BIGINT NOT NULL,
                usage_begin BIGINT NOT NULL,
                usage_end BIGINT NOT NULL
            )
            """,
            "CREATE INDEX package_deductions_item ON package_deductions (free_resource_id, deduct_time)",
            "CREATE INDEX package_deductions_customer ON package_deductions (customer_id, deduct_time)",
            "ALTER TABLE fee_records ADD COLUMN free_usage TEXT",
            "ALTER TABLE fee_records ADD COLUMN free_measure_id INTEGER",
        ]),
        Migration(version: 9, name: "daily bill sums", statements: [
            // Fee records summed per partner, customer, cycle, Beijing day of the trade and the
            // bill rows' keys, kept in the same transaction as each fee record, so monthly bills
            // read a few rows instead of every fee of the month.
            """
            CREATE TABLE bill_day_sums (
                partner_id TEXT NOT NULL,
                customer_id TEXT NOT NULL,
                bill_cycle TEXT NOT NULL,
                day BIGINT NOT NULL,
                service_type TEXT NOT NULL,
                resource_type TEXT NOT NULL,
                charging_mode INTEGER NOT NULL,
                bill_type INTEGER NOT NULL,
                official BIGINT NOT NULL,
                discount BIGINT NOT NULL,
                truncated BIGINT NOT NULL,
                consume BIGINT NOT NULL,
                cash BIGINT NOT NULL,
                credit BIGINT NOT NULL,
                coupon BIGINT NOT NULL,
                debt BIGINT NOT NULL,
                PRIMARY KEY (partner_id, customer_id, bill_cycle, day, service_type, resource_type, charging_mode, bill_type)
            )
            """,
            "CREATE INDEX bill_day_sums_customer ON bill_day_sums (customer_id, bill_cycle)",
            """
            INSERT INTO bill_day_sums (partner_id, customer_id, bill_cycle, day, service_type, resource_type, charging_mode, bill_type,
                                       official, discount, truncated, consume, cash, credit, coupon, debt)
            SELECT partner_id, customer_id, bill_cycle, (trade_time + 28800000) / 86400000, service_type, resource_type, charging_mode, bill_type,
                   SUM(official), SUM(discount), SUM(truncated), SUM(consume), SUM(cash), SUM(credit), SUM(coupon), SUM(debt)
            FROM fee_records
            GROUP BY partner_id, customer_id, bill_cycle, (trade_time + 28800000) / 86400000, service_type, resource_type, charging_mode, bill_type
            """,
        ]),
        Migration(version: 10, name: "monthly bill sums", statements: [
            // The daily sums count their fees, and a month-level twin lets a partner's monthly
            // bill read one row per customer and bill key: month − (today and later).
            "ALTER TABLE bill_day_sums ADD COLUMN fees BIGINT NOT NULL DEFAULT 0",
            """
            UPDATE bill_day_sums SET fees = (SELECT COUNT(*) FROM fee_records f WHERE f.partner_id = bill_day_sums.partner_id
                AND f.customer_id = bill_day_sums.customer_id AND f.bill_cycle = bill_day_sums.bill_cycle
                AND (f.trade_time + 28800000) / 86400000 = bill_day_sums.day AND f.service_type = bill_day_sums.service_type
                AND f.resource_type = bill_day_sums.resource_type AND f.charging_mode = bill_day_sums.charging_mode AND f.bill_type = bill_day_sums.bill_type)
            """,
            """
            CREATE TABLE bill_month_sums (
                partner_id TEXT NOT NULL,
                customer_id TEXT NOT NULL,
                bill_cycle TEXT NOT NULL,
                service_type TEXT NOT NULL,
                resource_type TEXT NOT NULL,
                charging_mode INTEGER NOT NULL,
                bill_type INTEGER NOT NULL,
                official BIGINT NOT NULL,
                discount BIGINT NOT NULL,
                truncated BIGINT NOT NULL,
                consume BIGINT NOT NULL,
                cash BIGINT NOT NULL,
                credit BIGINT NOT NULL,
                coupon BIGINT NOT NULL,
                debt BIGINT NOT NULL,
                fees BIGINT NOT NULL,
                PRIMARY KEY (partner_id, bill_cycle, customer_id, service_type, resource_type, charging_mode, bill_type)
            )
            """,
            """
            INSERT INTO bill_month_sums (partner_id, customer_id, bill_cycle, service_type, resource_type, charging_mode, bill_type,
                                         official, discount, truncated, consume, cash, credit, coupon, debt, fees)
            SELECT partner_id, customer_id, bill_cycle, service_type, resource_type, charging_mode, bill_type,
                   SUM(official), SUM(discount), SUM(truncated), SUM(consume), SUM(cash), SUM(credit), SUM(coupon), SUM(debt), SUM(fees)
            FROM bill_day_sums GROUP BY partner_id, customer_id, bill_cycle, service_type, resource_type, charging_mode, bill_type
            """,
        ]),
        Migration(version: 11, name: "saml web sso and console sessions", statements: [
            // Signing keys (the SP's, and each built-in IdP's), sealed with the master key.
            "CREATE TABLE saml_keys (owner TEXT PRIMARY KEY, key_sealed TEXT NOT NULL, cert_pem TEXT NOT NULL, created_at BIGINT NOT NULL)",
            """
            CREATE TABLE saml_idps (
                partner_id TEXT PRIMARY KEY REFERENCES accounts(id),
                entity_id TEXT NOT NULL,
                sso_url TEXT NOT NULL,
                signing_cert TEXT NOT NULL,
                metadata TEXT NOT NULL,
                notify_url TEXT,
                builtin INTEGER NOT NULL DEFAULT 0,
                updated_at BIGINT NOT NULL
            )
            """,
            // AuthnRequests we sent: an assertion must answer one of them, in the same browser, once.
            """
            CREATE TABLE saml_requests (
                id TEXT PRIMARY KEY,
                partner_id TEXT NOT NULL REFERENCES accounts(id),
                browser_hash TEXT NOT NULL,
                service TEXT NOT NULL,
                first_login INTEGER NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                consumed_at BIGINT
            )
            """,
            "CREATE TABLE saml_assertions (id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, used_at BIGINT NOT NULL, expires_at BIGINT NOT NULL)",
            // A verified first login waiting for the person to create or bind an account.
            """
            CREATE TABLE saml_bindings (
                token_hash TEXT PRIMARY KEY,
                partner_id TEXT NOT NULL REFERENCES accounts(id),
                xaccount_type TEXT NOT NULL,
                xuser_id TEXT NOT NULL,
                name TEXT, mobile TEXT, email TEXT,
                service TEXT NOT NULL,
                expires_at BIGINT NOT NULL,
                done_at BIGINT
            )
            """,
            // The built-in IdP's pending logins: the AuthnRequest being answered.
            """
            CREATE TABLE idp_logins (
                token_hash TEXT PRIMARY KEY,
                partner_id TEXT NOT NULL REFERENCES accounts(id),
                request_id TEXT NOT NULL,
                acs TEXT NOT NULL,
                relay_state TEXT NOT NULL,
                expires_at BIGINT NOT NULL,
                done_at BIGINT
            )
            """,
            """
            CREATE TABLE console_sessions (
                token_hash TEXT PRIMARY KEY,
                customer_id TEXT NOT NULL REFERENCES accounts(id),
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            )
            """,
        ]),
        Migration(version: 12, name: "95th-percentile bandwidth samples", statements: [
            // 5-minute bandwidth points (95 billing); kept apart from rated usage, in Mbps.
            """
            CREATE TABLE usage_samples (
                record_id TEXT PRIMARY KEY,
                content_hash TEXT NOT NULL,
                customer_id TEXT NOT NULL REFERENCES accounts(id),
                bill_cycle TEXT NOT NULL,
                service_type TEXT NOT NULL,
                resource_type TEXT NOT NULL,
                usage_type TEXT NOT NULL,
                resource_id TEXT NOT NULL,
                region TEXT NOT NULL,
                stat_time BIGINT NOT NULL,
                mbps TEXT NOT NULL,
                imported_at BIGINT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX usage_samples_point ON usage_samples (customer_id, bill_cycle, service_type, resource_type, usage_type, resource_id, stat_time)",
        ]),
        Migration(version: 13, name: "resource packages sold as yearly/monthly products", statements: [
            // A period product may be a resource package: each period bought carries this amount.
            "ALTER TABLE products ADD COLUMN package_usage_type TEXT",
            "ALTER TABLE products ADD COLUMN package_amount TEXT",
            "ALTER TABLE products ADD COLUMN package_measure_id INTEGER",
            // The subscription a bought package belongs to (NULL for operator grants).
            "ALTER TABLE resource_packages ADD COLUMN resource_id TEXT",
            "CREATE INDEX resource_packages_resource ON resource_packages (resource_id)",
        ]),
        Migration(version: 14, name: "one fee record per usage record", statements: [
            // The storage itself refuses rating a usage record twice, and the verifier's
            // "every usage record was rated once" check reads an index instead of scanning.
            "CREATE UNIQUE INDEX fee_records_record ON fee_records (record_id) WHERE record_id IS NOT NULL",
        ]),
        Migration(version: 15, name: "a usage record is its fee record", statements: [
            // A rated usage record is marked by its fee record alone (record_id is unique
            // there, content_hash tells a repeat from a conflict); a second table with a row
            // and an index per record only doubled the writing of an import.
            "ALTER TABLE fee_records ADD COLUMN content_hash TEXT",
            """
            UPDATE fee_records SET content_hash = (SELECT u.content_hash FROM usage_records u WHERE u.record_id = fee_records.record_id)
            WHERE record_id IS NOT NULL
            """,
            "DROP TABLE usage_records",
        ]),
        Migration(version: 16, name: "partner day sums by day", statements: [
            // The partner's monthly bills subtract today's (and later) daily sums; without this
            // index that read walked every daily row of the partner's customers.
            "CREATE INDEX bill_day_sums_partner_day ON bill_day_sums (partner_id, bill_cycle, day)",
        ]),
        Migration(version: 17, name: "yearly/monthly orders", statements: [
            // A customer's order: a new purchase, renewal, unsubscription or conversion.
            // Amounts in ledger units: official − discount = amount after discount, paid by
            // vouchers (coupon), cash coupons, cash and credit.
            """
            CREATE TABLE orders (
                id TEXT PRIMARY KEY,
                customer_id TEXT NOT NULL REFERENCES accounts(id),
                partner_id TEXT NOT NULL REFERENCES accounts(id),
                order_type INTEGER NOT NULL,
                status INTEGER NOT NULL,
                source_type INTEGER NOT NULL,
                user_name TEXT NOT NULL,
                service_type TEXT NOT NULL,
                official BIGINT NOT NULL,
                discount BIGINT NOT NULL,
                discount_id TEXT,
                voucher BIGINT NOT NULL,
                cash_coupon BIGINT NOT NULL,
                cash BIGINT NOT NULL,
                credit BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                pay_deadline BIGINT,
                paid_at BIGINT,
                cancelled_at BIGINT,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX orders_customer ON orders (customer_id, created_at)",
            "CREATE INDEX orders_partner ON orders (partner_id, created_at)",
            // One line per product and period; a new purchase names the resources it creates.
            """
            CREATE TABLE order_items (
                id TEXT PRIMARY KEY,
                order_id TEXT NOT NULL REFERENCES orders(id),
                seq INTEGER NOT NULL,
                resource_ids TEXT NOT NULL,
                service_type TEXT NOT NULL,
                resource_type TEXT NOT NULL,
                resource_spec TEXT NOT NULL,
                region TEXT NOT NULL,
                product_id TEXT NOT NULL,
                period_type INTEGER NOT NULL,
                period_num INTEGER NOT NULL,
                subscription_num INTEGER NOT NULL,
                spec_size INTEGER,
                spec_size_measure_id INTEGER,
                effective_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                official BIGINT NOT NULL,
                discount BIGINT NOT NULL,
                voucher BIGINT NOT NULL,
                cash_coupon BIGINT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX order_items_seq ON order_items (order_id, seq)",
        ]),
        Migration(version: 18, name: "the subscription lifecycle", statements: [
            // Auto-renewal: when the next attempt is due, how many renewals are left (NULL:
            // unlimited), and the period of each (2 month, 3 year; NULL: the resource's own).
            "ALTER TABLE customer_resources ADD COLUMN next_renewal_at BIGINT",
            "ALTER TABLE customer_resources ADD COLUMN auto_renew_left INTEGER",
            "ALTER TABLE customer_resources ADD COLUMN auto_renew_period INTEGER",
            "CREATE INDEX customer_resources_due ON customer_resources (charge_mode, status, expires_at)",
            "CREATE INDEX customer_resources_renewal ON customer_resources (next_renewal_at)",
            // An unsubscription order's consumed value and handling fee, and where its refund
            // comes from: per original order, the amount paid back (negative) and the value
            // consumed (positive); the rows sum to minus the refund.
            "ALTER TABLE orders ADD COLUMN consumed BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE orders ADD COLUMN commission BIGINT NOT NULL DEFAULT 0",
            // An unsubscription refunded in full under the five-day rule (10 a calendar year).
            "ALTER TABLE orders ADD COLUMN five_day_refund INTEGER NOT NULL DEFAULT 0",
            """
            CREATE TABLE order_refunds (
                id TEXT PRIMARY KEY,
                order_id TEXT NOT NULL REFERENCES orders(id),
                base_order_id TEXT NOT NULL,
                customer_id TEXT NOT NULL,
                service_type TEXT NOT NULL,
                resource_type TEXT NOT NULL,
                region TEXT NOT NULL,
                amount BIGINT NOT NULL
            )
            """,
            "CREATE INDEX order_refunds_order ON order_refunds (order_id)",
            // Which orders name a resource: "is it in a pending order?" by index, not by scan.
            "CREATE TABLE order_resources (order_id TEXT NOT NULL REFERENCES orders(id), resource_id TEXT NOT NULL, PRIMARY KEY (resource_id, order_id))",
        ]),
        Migration(version: 19, name: "renewal settings", statements: [
            // SetResourcesRenewConfig, per customer: the auto-renewal deduction day (days
            // before expiry; NULL: the default 7) and the unified expiry day (1-28, -1 the
            // month's last day; NULL: none).
            "CREATE TABLE renewal_configs (customer_id TEXT PRIMARY KEY, deduction_days INTEGER, expire_day INTEGER, updated_at BIGINT NOT NULL)",
        ]),
        Migration(version: 20, name: "coupons an order used", statements: [
            // Which coupons paid an order, in the order they were used, and how much of each
            // has come back (a period unsubscribed before it began returns its coupons).
            """
            CREATE TABLE order_coupons (
                order_id TEXT NOT NULL REFERENCES orders(id), seq INTEGER NOT NULL, coupon_id TEXT NOT NULL,
                ledger_account TEXT NOT NULL REFERENCES ledger_accounts(id), coupon_type INTEGER NOT NULL,
                units BIGINT NOT NULL, returned BIGINT NOT NULL, PRIMARY KEY (order_id, seq)
            )
            """,
        ]),
        Migration(version: 21, name: "transfer references", statements: [
            // The business document a transfer belongs to (an order, a coupon), shown as the
            // trade id of the records that list it.
            "ALTER TABLE transfers ADD COLUMN reference TEXT",
        ]),
        Migration(version: 22, name: "incentive and discount policies", statements: [
            // Per service type (NULL: the defaults "0" and "YES"); from the catalog document.
            "ALTER TABLE catalog_service_types ADD COLUMN incentive_policy TEXT",
            "ALTER TABLE catalog_service_types ADD COLUMN allow_discount TEXT",
        ]),
        Migration(version: 23, name: "verification codes", statements: [
            // SendVerificationMessageCode: every code sent (the sandbox's SMS outbox), its
            // validity, wrong tries and use.
            """
            CREATE TABLE verification_codes (
                id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, mobile TEXT NOT NULL, scene INTEGER NOT NULL, customer_id TEXT,
                code TEXT NOT NULL, lang TEXT NOT NULL, text TEXT NOT NULL, sent_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,
                failures INTEGER NOT NULL, used_at BIGINT
            )
            """,
            "CREATE INDEX verification_codes_mobile ON verification_codes (mobile, scene, sent_at)",
        ]),
        Migration(version: 24, name: "face verification tickets", statements: [
            // ShowRealNameAuthQrCode: each QR code's single-use ticket, valid ten minutes on
            // the business clock; a newer ticket voids the customer's open ones.
            """
            CREATE TABLE realname_face_tickets (
                ticket TEXT PRIMARY KEY, customer_id TEXT NOT NULL, issued_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,
                state TEXT NOT NULL, used_at BIGINT
            )
            """,
            "CREATE INDEX realname_face_tickets_customer ON realname_face_tickets (customer_id, state)",
        ]),
        Migration(version: 25, name: "new-customer tags", statements: [
            // ListSubCustomerNewTag: the SMB new-customer tag Huawei's programme gives a
            // customer (Y qualified, N not new, UNDETERMINED eligible), as the operator records
            // it, with its validity in Beijing months (YYYY-MM).
            """
            CREATE TABLE customer_new_tags (
                customer_id TEXT PRIMARY KEY REFERENCES customers(id), tag TEXT NOT NULL,
                effective_month TEXT NOT NULL, expire_month TEXT NOT NULL, updated_at BIGINT NOT NULL
            )
            """,
        ]),
    ]

    /// Applies what is missing. Safe to run from several instances at once:
    /// PostgreSQL takes an advisory lock, SQLite's IMMEDIATE transaction serializes.
    @discardableResult
    public static func run(on database: Database) async throws -> [Int] {
        try await database.transaction { db in
            if database.backend == .postgres {
                try await db.raw("SELECT pg_advisory_xact_lock(7262001)").run()
            }
            try await db.raw("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)
                """).run()
            let done = Set(try await db.raw("SELECT version FROM schema_migrations").all().map { try $0.decode(column: "version", as: Int.self) })
            if let newest = done.max(), newest > (all.map(\.version).max() ?? 0) {
                throw ConfigError("database schema version \(newest) is newer than this binary knows; upgrade partner-center")
            }
            var applied: [Int] = []
            for m in all where !done.contains(m.version) {
                for statement in m.statements { try await db.raw(SQLQueryString(statement)).run() }
                try await db.raw("INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(bind: m.version), \(bind: m.name), \(bind: WireTime.nowMillis()))").run()
                applied.append(m.version)
            }
            return applied
        }
    }
}
