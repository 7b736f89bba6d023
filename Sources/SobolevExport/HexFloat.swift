// C99 hexadecimal floating-point literals: every double written exactly (no decimal rounding).

enum HexFloat {
    /// "0x1.8p+1" for 3, "-0x0p+0" for -0, "0x0.0000000000001p-1022" for the smallest subnormal.
    static func literal(_ v: Double) -> String {
        precondition(v.isFinite, "no C literal for \(v)")
        let sign = v.sign == .minus ? "-" : ""
        if v == 0 { return sign + "0x0p+0" }
        let fraction = v.significandBitPattern
        let subnormal = v.exponentBitPattern == 0
        let exponent = subnormal ? -1022 : Int(v.exponentBitPattern) - 1023
        var digits = String(fraction, radix: 16)
        digits = String(repeating: "0", count: 13 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        let lead = subnormal ? "0" : "1"
        return sign + "0x" + lead + (digits.isEmpty ? "" : "." + digits) + "p" + (exponent >= 0 ? "+" : "") + String(exponent)
    }
}
