import Foundation

/// CreateSubCustomer's documented field rules, each with its own CBC code.
public enum CustomerRules {
    /// 5–32 characters of `[a-zA-Z0-9_-]`, not starting with a digit, not `op_`/`shadow_`.
    public static func validateDomainName(_ name: String) throws {
        let scalars = Array(name.unicodeScalars)
        let allowed: (Unicode.Scalar) -> Bool = { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-") }
        let ok = (5...32).contains(scalars.count) && scalars.allSatisfy(allowed)
            && !(CharacterSet.decimalDigits.contains(scalars[0]))
            && !name.lowercased().hasPrefix("op_") && !name.lowercased().hasPrefix("shadow_")
        if !ok {
            throw Refusal(.accountNameFormat, "The account name format is invalid: 5-32 letters, digits, '_' or '-', not starting with a digit, 'op_' or 'shadow_'.")
        }
    }

    /// Mainland-China mobile numbers only: 11 digits starting 13–19.
    public static func validateMobile(_ mobile: String) throws {
        let digits = Array(mobile.utf8)
        let ok = digits.count == 11 && digits.allSatisfy { $0 >= 48 && $0 <= 57 } && digits[0] == UInt8(ascii: "1") && digits[1] >= UInt8(ascii: "3")
        if !ok { throw Refusal(.mobileFormat, "The mobile number format is invalid.") }
    }

    /// At least 8 characters (at most 32), two of four classes, not the account name
    /// or its reverse, not containing the mobile number.
    public static func validatePassword(_ password: String, accountName: String, mobile: String?) throws {
        let bad = Refusal(.passwordFormat, "The password format is invalid: 8-32 characters with at least two of upper-case, lower-case, digits and special characters, not the account name or its reverse, not containing the mobile number.")
        guard (8...32).contains(password.count), password.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x21 && $0.value < 0x7F }) else { throw bad }
        var classes = 0
        if password.contains(where: { $0.isUppercase }) { classes += 1 }
        if password.contains(where: { $0.isLowercase }) { classes += 1 }
        if password.contains(where: { $0.isNumber }) { classes += 1 }
        if password.contains(where: { !$0.isLetter && !$0.isNumber }) { classes += 1 }
        guard classes >= 2 else { throw bad }
        let lower = password.lowercased()
        if lower == accountName.lowercased() || lower == String(accountName.lowercased().reversed()) { throw bad }
        if let mobile, !mobile.isEmpty, password.contains(mobile) { throw bad }
    }

    /// Phone numbers are shown masked, as Huawei does: 138****0000.
    public static func mask(_ mobile: String?) -> String? {
        guard let m = mobile, !m.isEmpty else { return nil }
        guard m.count >= 7 else { return m }
        return String(m.prefix(3)) + "****" + String(m.suffix(4))
    }

    /// A generated account name: 32 characters, starting with a letter.
    public static func randomDomainName() -> String {
        "hw" + String(Identifiers.domainID().prefix(30))
    }

    /// A generated password when the partner gives none (the customer then signs in only via SSO).
    public static func randomPassword() -> String {
        Identifiers.secretKey().prefix(20) + "aA1!"
    }
}
