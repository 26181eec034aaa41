import Foundation

/// The `--json` output of every command: pretty JSON with sorted keys, in which every field of a
/// document is present whatever the run, so that a reader can index any key it has seen once: a
/// value that is absent (an optional without a value) or not a finite number (NaN, ±∞: undefined
/// statistics, a case that did not run) is `null`.
enum JSONOutput {
    static func text(_ value: some Encodable) throws -> String {
        let root = JSONNode()
        try value.encode(to: JSONTreeEncoder(node: root, codingPath: []))
        var text = ""
        root.write(to: &text, indent: "")
        return text
    }
}

/// A JSON value; numbers keep the text they are written with. Arrays and objects are filled in
/// place through their node (see ``JSONNode``).
private enum JSONValue {
    case null, bool(Bool), number(String), string(String), array, object

    /// Foundation's spelling: shortest round trip, and whole numbers without ".0" (252, not 252.0).
    static func number<F: BinaryFloatingPoint & LosslessStringConvertible>(_ value: F) -> JSONValue {
        guard value.isFinite else { return .null }
        // Negative zero (a drawdown of −0.0) is written as 0, as the text tables print it.
        if value == 0 { return .number("0") }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return .number(text)
    }
}

/// A place in the tree that an encoder or container fills in: a scalar, or the elements or members
/// of an array or object, appended to in place (a copy per append would make long arrays quadratic).
private final class JSONNode {
    var value: JSONValue = .null
    var elements: [JSONNode] = []
    var members: [String: JSONNode] = [:]

    func write(to text: inout String, indent: String) {
        switch value {
        case .null: text += "null"
        case .bool(let value): text += value ? "true" : "false"
        case .number(let value): text += value
        case .string(let value): Self.writeString(value, to: &text)
        case .array:
            guard !elements.isEmpty else { text += "[]"; return }
            text += "[\n"
            for (index, node) in elements.enumerated() {
                text += indent + "  "
                node.write(to: &text, indent: indent + "  ")
                text += index + 1 < elements.count ? ",\n" : "\n"
            }
            text += indent + "]"
        case .object:
            guard !members.isEmpty else { text += "{}"; return }
            text += "{\n"
            let keys = members.keys.sorted()
            for (index, key) in keys.enumerated() {
                text += indent + "  "
                Self.writeString(key, to: &text)
                text += " : "
                members[key]!.write(to: &text, indent: indent + "  ")
                text += index + 1 < keys.count ? ",\n" : "\n"
            }
            text += indent + "}"
        }
    }

    static func writeString(_ value: String, to text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20: text += String(format: "\\u%04x", scalar.value)
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}

private struct JSONTreeEncoder: Encoder {
    let node: JSONNode
    let codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = node.value {} else { node.value = .object }
        return KeyedEncodingContainer(JSONKeyedContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        if case .array = node.value {} else { node.value = .array }
        return JSONUnkeyedContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> SingleValueEncodingContainer { JSONSingleContainer(node: node, codingPath: codingPath) }
}

/// The JSON of one value: numbers that are not finite are `null`.
private func encoded<T: Encodable>(_ value: T, codingPath: [CodingKey]) throws -> JSONNode {
    let node = JSONNode()
    switch value {
    case let number as Double: node.value = .number(number)
    case let number as Float: node.value = .number(number)
    case let flag as Bool: node.value = .bool(flag)
    case let text as String: node.value = .string(text)
    case let number as any BinaryInteger: node.value = .number("\(number)")
    default: try value.encode(to: JSONTreeEncoder(node: node, codingPath: codingPath))
    }
    return node
}

private struct JSONKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: JSONNode
    let codingPath: [CodingKey]

    private func set(_ member: JSONNode, _ key: Key) { node.members[key.stringValue] = member }

    mutating func encodeNil(forKey key: Key) throws { set(JSONNode(), key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { set(try encoded(value, codingPath: codingPath + [key]), key) }
    // An absent optional is written as null, not left out.
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try encodeIfPresent(value as Bool??, key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try encodeIfPresent(value as String??, key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encodeIfPresent(value as Double??, key) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try encodeIfPresent(value as Float??, key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try encodeIfPresent(value as Int??, key) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try encodeIfPresent(value as Int8??, key) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try encodeIfPresent(value as Int16??, key) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try encodeIfPresent(value as Int32??, key) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try encodeIfPresent(value as Int64??, key) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try encodeIfPresent(value as UInt??, key) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try encodeIfPresent(value as UInt8??, key) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try encodeIfPresent(value as UInt16??, key) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try encodeIfPresent(value as UInt32??, key) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try encodeIfPresent(value as UInt64??, key) }

    /// The generic form for the typed overloads above (an Optional of an Optional, so that the
    /// call does not resolve back to them).
    private mutating func encodeIfPresent<T: Encodable>(_ value: T??, _ key: Key) throws {
        if let value = value ?? nil { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = JSONNode()
        set(child, key)
        return JSONTreeEncoder(node: child, codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
        let child = JSONNode()
        set(child, key)
        return JSONTreeEncoder(node: child, codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> Encoder { superEncoder(named: "super") }
    mutating func superEncoder(forKey key: Key) -> Encoder { superEncoder(named: key.stringValue) }

    private mutating func superEncoder(named name: String) -> Encoder {
        let child = JSONNode()
        node.members[name] = child
        return JSONTreeEncoder(node: child, codingPath: codingPath + [JSONKey(name)])
    }
}

private struct JSONUnkeyedContainer: UnkeyedEncodingContainer {
    let node: JSONNode
    let codingPath: [CodingKey]
    var count: Int { node.elements.count }

    private func append(_ element: JSONNode) { node.elements.append(element) }

    mutating func encodeNil() throws { append(JSONNode()) }
    mutating func encode<T: Encodable>(_ value: T) throws { append(try encoded(value, codingPath: codingPath)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = JSONNode()
        append(child)
        return JSONTreeEncoder(node: child, codingPath: codingPath).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
        let child = JSONNode()
        append(child)
        return JSONTreeEncoder(node: child, codingPath: codingPath).unkeyedContainer()
    }

    mutating func superEncoder() -> Encoder {
        let child = JSONNode()
        append(child)
        return JSONTreeEncoder(node: child, codingPath: codingPath)
    }
}

private struct JSONSingleContainer: SingleValueEncodingContainer {
    let node: JSONNode
    let codingPath: [CodingKey]

    mutating func encodeNil() throws { node.value = .null }
    mutating func encode<T: Encodable>(_ value: T) throws {
        let encoded = try encoded(value, codingPath: codingPath)
        (node.value, node.elements, node.members) = (encoded.value, encoded.elements, encoded.members)
    }
}

/// A key by name, for the coding path of a super encoder.
private struct JSONKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}
