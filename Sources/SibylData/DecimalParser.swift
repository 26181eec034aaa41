#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parses decimal numbers straight from bytes, without building strings.
///
/// Syntax: optional sign, digits with an optional decimal point, optional exponent
/// (`-12.5`, `.5`, `3e-4`). When the significant digits fit in 2^53 and the power of ten is at most
/// 10^22, the result is exact by one correctly rounded multiply or divide (Clinger's fast path);
/// otherwise the validated text goes to the C library's `strtod`, which rounds correctly too.
enum DecimalParser {
    /// 10^0 … 10^22, all exactly representable as Double.
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// The value of `bytes[start..<end]` times 10^`powerOfTen` (a volume counted in thousands is
    /// read in units exactly: 2.01 in thousands is 2010), or nil when it is not a decimal number.
    static func parse(_ bytes: UnsafePointer<UInt8>, from start: Int, to end: Int, powerOfTen: Int = 0) -> Double? {
        var i = start
        guard i < end else { return nil }
        var negative = false
        if bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var digitsSeen = 0
        var exponent = 0
        // Integer part.
        while i < end, bytes[i] &- 48 < 10 {
            let digit = UInt64(bytes[i] &- 48)
            if significantDigits < 19 {
                mantissa = mantissa &* 10 &+ digit
                if mantissa != 0 { significantDigits += 1 }
            } else {
                exponent += 1  // digits beyond 19 only scale; the slow path rounds them properly
                significantDigits += 1
            }
            digitsSeen += 1
            i += 1
        }
        // Fraction.
        if i < end, bytes[i] == UInt8(ascii: ".") {
            i += 1
            while i < end, bytes[i] &- 48 < 10 {
                let digit = UInt64(bytes[i] &- 48)
                if significantDigits < 19 {
                    mantissa = mantissa &* 10 &+ digit
                    exponent -= 1
                    if mantissa != 0 { significantDigits += 1 }
                } else {
                    significantDigits += 1
                }
                digitsSeen += 1
                i += 1
            }
        }
        guard digitsSeen > 0 else { return nil }
        // Exponent.
        if i < end, bytes[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            var exponentNegative = false
            if i < end, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
                exponentNegative = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            var value = 0
            var exponentDigits = 0
            while i < end, bytes[i] &- 48 < 10 {
                if value < 100_000 { value = value * 10 + Int(bytes[i] &- 48) }
                exponentDigits += 1
                i += 1
            }
            guard exponentDigits > 0 else { return nil }
            exponent += exponentNegative ? -value : value
        }
        guard i == end else { return nil }
        exponent += powerOfTen

        if significantDigits <= 19 && mantissa <= 1 << 53 && exponent >= -22 && exponent <= 22 {
            var value = Double(mantissa)
            value = exponent < 0 ? value / powersOfTen[-exponent] : value * powersOfTen[exponent]
            return negative ? -value : value
        }
        // (Beyond 19 digits or 10^±22, the power is applied after rounding: within an ulp or two.)
        return slowParse(bytes, from: start, to: end).map { powerOfTen == 0 ? $0 : $0 * pow(10, Double(powerOfTen)) }
    }

    private static func slowParse(_ bytes: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Double? {
        let length = end - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
            for k in 0..<length { buffer[k] = CChar(bitPattern: bytes[start + k]) }
            buffer[length] = 0
            var endPointer: UnsafeMutablePointer<CChar>?
            let value = strtod(buffer.baseAddress!, &endPointer)
            return endPointer == buffer.baseAddress! + length ? value : nil
        }
    }
}
